import { type Prisma, type SqlRunner, withTransaction } from '@campaigns/db';
import type { ServiceDeps } from './deps';

/**
 * The two ways a change runs in one transaction: Prisma's interactive transaction, or raw statements on
 * Prisma's own pool (withTransaction, for the hot paths). Both end by writing the caller's record of the
 * outcome (`deps.recordOutcome`: the idempotency middleware stores the response), in the same
 * transaction as the change, so that no crash can leave a committed change without its stored response.
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

export function inRawTransaction<T>(deps: ServiceDeps, work: (tx: SqlRunner) => Promise<T>): Promise<T> {
  return withTransaction(deps.db, async (tx) => {
    const result = await work(tx);
    await deps.recordOutcome?.(tx, result);
    return result;
  });
}
