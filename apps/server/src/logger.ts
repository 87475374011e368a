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
