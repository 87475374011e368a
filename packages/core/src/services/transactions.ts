import type { Prisma } from '@campaigns/db';
import type { ServiceDeps } from './deps';

/**
 * How a change runs in one transaction: Prisma's interactive transaction. (The hot changes — schedule,
 * update, addStep — run in one round trip instead: services/pipelined-change.ts.) Both end by writing
 * the caller's record of the outcome (`deps.recordOutcome`: the idempotency middleware stores the
 * response) in the same transaction as the change, so that no crash can leave a committed change
 * without its stored response.
 */
export function inTransaction<T>(
  deps: ServiceDeps,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return deps.db.$transaction(async (tx) => {
    const result = await work(tx);
    await deps.recordOutcome?.(tx, result);
    return result;
  });
}
