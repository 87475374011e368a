/**
 * `pnpm start`: the one server process. Opens the database (embedded when DATABASE_URL is unset),
 * applies pending migrations, serves HTTP, runs the dispatcher unless DISPATCHER=off, and on
 * SIGTERM/SIGINT drains requests, lets go of dispatch claims and stops cleanly.
 */
// First: V8's settings must be in place before the rest allocates (v8-settings.ts).
import './v8-settings';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@campaigns/core';
import { createPrismaClient, migrationStatus } from '@campaigns/db';
import { createTokenVerifier, describeAuth } from './auth';
import { loadConfigOrExit } from './config';
import { buildApp } from './http/app';
import { createStdoutLogger } from './logger';
import {
  onTermination,
  openMigratedDatabase,
  type RunningDispatcher,
  startDispatcher,
  stopQuietly,
} from './startup';

/** The web app's build (`pnpm start` builds it first); without one the API runs alone. */
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

const config = loadConfigOrExit();
const { logger, written } = createStdoutLogger(config.logLevel);

if (config.usingDevSecret) {
  logger.warn(
    '!!! JWT_SECRET is not set: using the built-in DEVELOPMENT secret. Anyone can mint tokens for this ' +
      'server. Set JWT_SECRET (required with NODE_ENV=production). !!!',
  );
}
logger.info({ auth: describeAuth(config) }, 'access token verification');

const database = await openMigratedDatabase(config, logger);

let schemaUpToDate = false;
const db = createPrismaClient(database.url, {
  poolMax: config.databasePoolMax,
  readLanes: config.databaseReadLanes,
  writeLanes: config.databaseWriteLanes,
});
const app = await buildApp({
  deps: {
    db,
    clock: systemClock,
    tokens: createTokenVerifier(config, logger),
    idempotencyLeaseMs: config.idempotencyLeaseMs,
    webhookPolicy: { allowPrivateUrls: config.webhooks.allowPrivateUrls },
  },
  logger,
  publicUrl: `http://${config.host}:${config.port}`,
  // Body and header limits, rate limit, CORS, HSTS (docs/hardening.md).
  ...config.http,
  ...(config.usingDevSecret && config.jwtSecret !== undefined && config.nodeEnv !== 'production'
    ? { devTokens: { secret: config.jwtSecret } }
    : {}),
  ...(existsSync(join(WEB_ROOT, 'index.html')) ? { webRoot: WEB_ROOT } : {}),
  isReady: async () => {
    await db.$queryRaw`SELECT 1`;
    // Once up to date, the schema stays so for this process's lifetime: stop asking.
    schemaUpToDate ||= (await migrationStatus(database.url)).upToDate;
    return schemaUpToDate;
  },
});

let dispatcher: RunningDispatcher | undefined;
onTermination(logger, async () => {
  // Both drain at once: requests finish while in-flight firings commit; then the pools, then the database.
  await Promise.all([app.close(), dispatcher?.stop()]);
  await db.$disconnect();
  await stopQuietly(database, logger);
});

await app.listen({ port: config.port, host: config.host });
logger.info(
  { url: `http://${config.host}:${config.port}`, docs: '/docs', embeddedDatabase: database.embedded },
  'messaging campaigns service is listening',
);
if (config.dispatcher) dispatcher = startDispatcher(config, database.url, logger, written);
else logger.info('DISPATCHER=off: campaigns fire only where `pnpm worker` runs');
