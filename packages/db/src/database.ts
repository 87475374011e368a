import { startEmbeddedPostgres } from './embedded';
import { type Logger, silentLogger } from './logger';
import { defaultDataDir } from './paths';

export interface OpenDatabaseOptions {
  /** An external server. Default: `DATABASE_URL`; if neither is set, an embedded server is started. */
  databaseUrl?: string;
  /** Embedded cluster directory. Default `<repo>/.data/postgres`. */
  dataDir?: string;
  /** Embedded server port. Default: any free port. */
  port?: number;
  logger?: Logger;
}

export interface OpenedDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server; a no-op for an external one. Call after the last client is closed. */
  stop(): Promise<void>;
  /** The embedded server only: resolves, with how and where its log is, if it dies on its own. */
  unexpectedExit?: Promise<{ how: string; logFile: string }>;
}

/** The service's database: `DATABASE_URL` in production, a zero-setup embedded server otherwise. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const logger = options.logger ?? silentLogger;
  const url = options.databaseUrl || process.env.DATABASE_URL;
  if (url) return { url, embedded: false, stop: async () => {} };
  const server = await startEmbeddedPostgres({
    dataDir: options.dataDir ?? defaultDataDir,
    port: options.port,
    logger,
  });
  return {
    url: server.url,
    embedded: true,
    stop: server.stop,
    unexpectedExit: server.unexpectedExit.then((how) => ({ how, logFile: server.logFile })),
  };
}
