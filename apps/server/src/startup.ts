import { createLoggingSender, Dispatcher, WebhookWorker } from '@campaigns/core';
import { applyMigrations, createPrismaClient, type OpenedDatabase, openDatabase } from '@campaigns/db';
import type { Logger } from 'pino';
import type { Config } from './config';

/** What `pnpm start` and `pnpm worker` share: the database, migrated, and the dispatcher. */

/** Opens the database (embedded when DATABASE_URL is unset) and applies pending migrations; exits on failure. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}),
    logger,
  });
  try {
    // applyMigrations logs what it applied; say so when there was nothing to do.
    const { applied } = await applyMigrations(database.url, { logger });
    if (applied.length === 0) logger.info('database schema is up to date');
  } catch (error) {
    logger.fatal({ err: error }, 'migrations failed; not starting');
    await stopQuietly(database, logger);
    process.exit(1);
  }
  exitIfDatabaseDies(database, logger);
  return database;
}

/**
 * The embedded database is part of this process: if it dies on its own, say so and exit non-zero rather
 * than answer 503 forever (an external database is expected to come back, and is waited for).
 */
export function exitIfDatabaseDies(database: OpenedDatabase, logger: Logger): void {
  void database.unexpectedExit?.then(({ how, logFile }) => {
    logger.fatal({ how, logFile }, `the embedded PostgreSQL ${how}; stopping (its log: ${logFile})`);
    logger.flush(() => process.exit(1));
  });
}

export async function stopQuietly(database: OpenedDatabase, logger: Logger): Promise<void> {
  await database
    .stop()
    .catch((error: unknown) => logger.error({ err: error }, 'stopping the database failed'));
}

export interface RunningDispatcher {
  dispatcher: Dispatcher;
  /** Lets go of every claim (in-flight firings commit), then closes the dispatcher's own pool. */
  stop(): Promise<void>;
}

/**
 * A dispatcher on its own small pool, so that firing never competes with HTTP requests for connections.
 * Its sender is the log: `written` says when the lines so far have left the process (logger.ts).
 */
export function startDispatcher(
  config: Config,
  databaseUrl: string,
  logger: Logger,
  written: () => Promise<void>,
): RunningDispatcher {
  // The dispatcher's lanes, and two more for webhook fan-out and outcomes; it makes no API reads.
  const db = createPrismaClient(databaseUrl, {
    poolMax: config.dispatch.concurrency + 3,
    readLanes: 0,
    writeLanes: 0,
  });
  const dispatcherLogger = logger.child({ component: 'dispatcher' });
  const dispatcher = new Dispatcher({
    db,
    logger: dispatcherLogger,
    sender: createLoggingSender(dispatcherLogger, written),
    pollIntervalMs: config.dispatch.pollIntervalMs,
    concurrency: config.dispatch.concurrency,
    batchSize: config.dispatch.batchSize,
    maxLatenessMs: config.dispatch.maxLatenessMs,
  });
  dispatcher.start();
  // Webhook delivery runs wherever the dispatcher runs (server and pnpm worker), on the same pool.
  const webhooks = new WebhookWorker({
    db,
    logger: logger.child({ component: 'webhooks' }),
    allowPrivateUrls: config.webhooks.allowPrivateUrls,
    timeoutMs: config.webhooks.timeoutMs,
    ...(config.webhooks.retryScheduleMs ? { retryScheduleMs: config.webhooks.retryScheduleMs } : {}),
  });
  webhooks.start();
  logger.info(config.dispatch, 'dispatcher started');
  return {
    dispatcher,
    stop: async () => {
      await Promise.all([dispatcher.stop(), webhooks.stop()]);
      await db.$disconnect();
    },
  };
}

/** Runs `shutdown` once on the first SIGTERM or SIGINT, then exits. */
export function onTermination(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  // stdout may be a full pipe: lines still buffered at process.exit would be lost.
  const exit = (code: number) => logger.flush(() => process.exit(code));
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shutdown()
      .then(() => {
        logger.info('stopped');
        exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
