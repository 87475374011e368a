import type { CampaignStatus } from '@campaigns/contract';
import { isoFromTimestamptz, Prisma, type SqlRunner } from '@campaigns/db';
import { notFound } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';
import { assertAllowed, type CampaignAction } from '../domain/lifecycle';
import { assertIfMatch, nextVersionAt } from '../domain/versions';
import type { Actor, ServiceDeps } from './deps';

export type Tx = Prisma.TransactionClient;

/** A Prisma transaction or a raw one (withTransaction in @campaigns/db): the lock is the same SQL. */
export type LockTx = Tx | SqlRunner;

export const rowsOf = <R>(tx: LockTx, sql: Prisma.Sql): Promise<R[]> =>
  '$queryRaw' in tx ? tx.$queryRaw<R[]>(sql) : tx.query<R>(sql);

/**
 * Locks the actor's campaign row for the rest of the transaction and returns its current status.
 *
 * Every change to a campaign or its steps goes through this lock, so changes to one campaign are
 * serialized: positions stay 0..n-1 under concurrent inserts/moves/removes, and no step can slip into a
 * campaign that a concurrent schedule or cancel just moved out of draft. Statements issued after the
 * lock see the latest committed state (READ COMMITTED takes a new snapshot per statement), which is why
 * step counts are read by a separate statement, not in this one. Another brand's campaign is
 * indistinguishable from a missing one.
 */
export async function lockCampaign(tx: LockTx, actor: Actor, id: string): Promise<LockedCampaign> {
  if (!isPlausibleId(id)) throw notFound('Campaign');
  const rows = await rowsOf<LockedRow>(tx, lockStatement(actor, id));
  const row = rows[0];
  if (!row) throw notFound('Campaign');
  return lockedFromRow(row);
}

/**
 * Locks the actor's campaign row and returns what beginChange decides from (no row: not found), the
 * version as PostgreSQL's text (lockedFromRow): a one-round-trip change reads the locked row only when
 * it was refused, and parsing a timestamp costs ~3 µs.
 */
export const lockStatement = (actor: Actor, id: string): Prisma.Sql =>
  Prisma.sql`SELECT status::text AS status, updated_at::text AS "updatedAt" FROM campaigns
              WHERE id = ${id} AND brand_id = ${actor.brandId} FOR UPDATE`;

/** A row of lockStatement. */
export interface LockedRow {
  status: CampaignStatus;
  updatedAt: string;
}

export const lockedFromRow = (row: LockedRow): LockedCampaign => ({
  status: row.status,
  updatedAt: new Date(isoFromTimestamptz(row.updatedAt)),
});

export interface LockedCampaign {
  status: CampaignStatus;
  /** The current version (domain/versions.ts). */
  updatedAt: Date;
}

/**
 * The start of every change to a campaign or its steps, in the contract's order: lock (404), the
 * caller's If-Match (412 version_mismatch), the state rule of `action` (412 bad_state). Returns the
 * instant of the change: the campaign's next version, strictly after the current one.
 */
export function beginChange(deps: ServiceDeps, locked: LockedCampaign, action: CampaignAction): Date {
  assertIfMatch(deps.ifMatch, locked.updatedAt);
  assertAllowed(action, locked.status);
  return nextVersionAt(deps.clock.now(), locked.updatedAt);
}

export const countSteps = (tx: Tx, campaignId: string): Promise<number> =>
  tx.step.count({ where: { campaignId } });

/** The campaigns columns under their Prisma field names, so that a raw row maps with toCampaign. */
export const CAMPAIGN_COLUMNS = Prisma.sql`id, brand_id AS "brandId", name, description, segment_id AS "segmentId",
  status::text AS status, scheduled_at AS "scheduledAt", published_at AS "publishedAt", sent_at AS "sentAt",
  cancelled_at AS "cancelledAt", created_by AS "createdBy", created_at AS "createdAt",
  updated_at AS "updatedAt", next_due_at AS "nextDueAt", send_window AS "sendWindow", name_search AS "nameSearch"`;
