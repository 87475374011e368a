/**
 * `pnpm start`: the one server process. Opens the database (embedded when DATABASE_URL is unset),
 * applies pending migrations, serves HTTP, and on SIGTERM/SIGINT drains requests and stops cleanly.
 */
import { createHs256Verifier, systemClock } from '@campaigns/api';
import { applyMigrations, createPrismaClient, migrationStatus, openDatabase } from '@campaigns/db';
import { loadConfig } from './config';
import { buildApp } from './http/app';
import { createLogger } from './logger';

const config = loadConfig();
const logger = createLogger(config.logLevel);

if (config.usingDevSecret) {
  logger.warn(
    '!!! JWT_SECRET is not set: using the built-in DEVELOPMENT secret. Anyone can mint tokens for this ' +
      'server. Set JWT_SECRET (required with NODE_ENV=production). !!!',
  );
}

const database = await openDatabase({ databaseUrl: config.databaseUrl, logger });
const stopDatabase = async () => {
  await database
    .stop()
    .catch((error: unknown) => logger.error({ err: error }, 'stopping the database failed'));
};

try {
  const { applied } = await applyMigrations(database.url, { logger });
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');
} catch (error) {
  logger.fatal({ err: error }, 'migrations failed; not starting');
  await stopDatabase();
  process.exit(1);
}

const db = createPrismaClient(database.url);
const app = await buildApp({
  deps: { db, clock: systemClock, tokens: createHs256Verifier(config.jwtSecret) },
  logger,
  publicUrl: `http://${config.host}:${config.port}`,
  ...(config.usingDevSecret && config.nodeEnv !== 'production'
    ? { devTokens: { secret: config.jwtSecret } }
    : {}),
  isReady: async () => {
    await db.$queryRaw`SELECT 1`;
    return (await migrationStatus(database.url)).pending.length === 0;
  },
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining requests');
  await app.close();
  await db.$disconnect();
  await stopDatabase();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.port, host: config.host });
logger.info(
  { url: `http://${config.host}:${config.port}`, docs: '/docs', embeddedDatabase: database.embedded },
  'messaging campaigns service is listening',
);
