import type { ApiDeps } from '@campaigns/api';
import { purgeExpiredIdempotencyKeys, purgeIdleRateLimitBuckets } from '@campaigns/core';
import type { FastifyInstance } from 'fastify';

/**
 * Deletes expired Idempotency-Keys now and then (a retry after 24 hours already treats its key as new;
 * this only keeps the table small). Every process does it; the DELETE is idempotent.
 */
export function startIdempotencyPurge(app: FastifyInstance, deps: ApiDeps, everyMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const purge = () => {
    purgeExpiredIdempotencyKeys(deps.db, deps.clock.now())
      .then((deleted) => {
        if (deleted > 0) app.log.info({ deleted }, 'expired idempotency keys purged');
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'purging idempotency keys failed'));
    purgeIdleRateLimitBuckets(deps.db).catch((error: unknown) =>
      app.log.warn({ err: error }, 'purging rate-limit buckets failed'),
    );
  };
  app.addHook('onReady', async () => {
    timer = setInterval(purge, everyMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
