import pino, { type DestinationStream, type Logger } from 'pino';

/** Structured JSON logs. Tokens never reach them: the Authorization header is redacted. */
export const createLogger = (level: string, destination?: DestinationStream): Logger =>
  pino(
    {
      level,
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );

/** stdout through pino's own asynchronous writer, able to say when the lines so far have left the process. */
export interface StdoutDestination extends DestinationStream {
  /**
   * Resolves once every line written so far is in stdout (the pipe or file), rejects if stdout failed.
   * The default sender's log line IS a fired step's hand-off, and the dispatcher clears the step from the
   * sender's outbox right after: a line still buffered in the process when it is SIGKILLed would be a
   * hand-off lost (test dispatch/stalled-stdout).
   */
  written(): Promise<void>;
}

/**
 * Counts bytes in and bytes out of sonic-boom (its `write` event): asynchronous like pino's default,
 * which has no way to wait for a line (its `flush` returns at once, or fsyncs, which a pipe refuses); a
 * synchronous destination was measured at 0.7× the dispatcher's throughput (sonic-boom sleeps 100 ms
 * whenever a pipe is full).
 */
export function stdoutDestination(): StdoutDestination {
  const boom = pino.destination({ dest: 1, sync: false });
  let queued = 0;
  let written = 0;
  let waiters: Array<{ upTo: number; resolve: () => void; reject: (error: Error) => void }> = [];
  boom.on('write', (bytes: number) => {
    written += bytes;
    const still: typeof waiters = [];
    for (const waiter of waiters) {
      if (waiter.upTo <= written) waiter.resolve();
      else still.push(waiter);
    }
    waiters = still;
  });
  boom.on('error', (error: Error) => {
    for (const waiter of waiters) waiter.reject(error);
    waiters = [];
  });
  return {
    write(line: string) {
      queued += Buffer.byteLength(line);
      boom.write(line);
    },
    written() {
      if (written >= queued) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ upTo: queued, resolve, reject }));
    },
  };
}

/** The process's logger on stdout, and when its lines so far have left the process. */
export function createStdoutLogger(level: string): { logger: Logger; written: () => Promise<void> } {
  const destination = stdoutDestination();
  return { logger: createLogger(level, destination), written: () => destination.written() };
}
