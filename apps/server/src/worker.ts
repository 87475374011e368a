/**
 * `pnpm worker`: the dispatcher alone, no HTTP. Any number may run against one database, beside
 * servers with or without DISPATCHER=off. Same database opening and migrations as `pnpm start`;
 * SIGTERM/SIGINT lets go of claims (in-flight firings commit) and exits.
 */
import { loadConfigOrExit } from './config';
import { createStdoutLogger } from './logger';
import { onTermination, openMigratedDatabase, startDispatcher, stopQuietly } from './startup';

const config = loadConfigOrExit();
const { logger, written } = createStdoutLogger(config.logLevel);

const database = await openMigratedDatabase(config, logger);
if (database.embedded) {
  logger.warn('DATABASE_URL is not set: this worker dispatches for its own embedded database only');
}
const running = startDispatcher(config, database.url, logger, written);

onTermination(logger, async () => {
  await running.stop();
  await stopQuietly(database, logger);
});
