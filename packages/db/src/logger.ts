/**
 * The logging surface this package needs. A pino logger satisfies it, so the server passes its own;
 * everything defaults to silence so library calls and tests stay quiet.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
