import type { AuditAction, Campaign } from '@campaigns/contract';
import { Prisma, pipelinedTransaction, withShape } from '@campaigns/db';
import { notFound } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';
import { allowedFrom, type CampaignAction } from '../domain/lifecycle';
import { etagOf, versionsMatching } from '../domain/versions';
import { auditEventInsertSql } from './audit';
import { beginChange, type LockedRow, lockedFromRow, lockStatement } from './campaign-lock';
import type { Actor, ServiceDeps } from './deps';

/**
 * The hot changes (schedule, update, addStep) in ONE round trip (docs/performance.md): lock the
 * campaign row (returning its status and version); one statement that writes the change and its audit
 * event only if the change is allowed — sent together, one transaction (pipelinedTransaction). The
 * write is a statement of its own after the lock, so READ COMMITTED gives it a snapshot in which everything committed before the lock is visible (a check in the
 * locking statement itself would not see a commit it waited for). The checks are the same as
 * beginChange's, made in SQL from the same sources: the allowed statuses from domain/lifecycle.ts, the
 * If-Match versions from domain/versions.ts, the next version by nextVersionAt's rule. When nothing was
 * written, the locked row says why, and beginChange throws the same error it would have thrown.
 */

/**
 * The campaigns row `c` (already locked by this transaction) may take `action` under the caller's
 * If-Match, as beginChange decides: a condition for the write's WHERE clause.
 */
export function changeAllowed(deps: ServiceDeps, action: CampaignAction, c: Prisma.Sql): Prisma.Sql {
  const statuses = Prisma.sql`${c}.status::text = ANY(${[...allowedFrom(action)]}::text[])`;
  if (deps.ifMatch === undefined) return statuses;
  const versions = versionsMatching(deps.ifMatch);
  if (versions === 'any') return statuses;
  return Prisma.sql`${statuses} AND ${c}.updated_at = ANY(${versions}::timestamptz[])`;
}

/**
 * Which of changeAllowed's two texts it gives (with or without the If-Match versions): part of a
 * `withShape` key. Keys are named by the code that builds the statement, not derived from its fragments
 * (JSON of their text parts cost ~4 µs per change); under tests a key naming two texts throws.
 */
export const changeAllowedShape = (deps: ServiceDeps): string =>
  deps.ifMatch === undefined || versionsMatching(deps.ifMatch) === 'any' ? 'statuses' : 'versions';

/**
 * The instant of `c`'s next version, as nextVersionAt: now, or 1 ms past the current one. `now` goes as
 * its ISO text: pg's own conversion of a Date (to local time with an offset) costs ~2 µs a value.
 */
export const nextVersionSql = (now: Date, c: Prisma.Sql): Prisma.Sql => {
  const at = now.toISOString();
  return Prisma.sql`(CASE WHEN ${at}::timestamptz > ${c}.updated_at THEN ${at}::timestamptz
                   ELSE ${c}.updated_at + interval '1 millisecond' END)`;
};

const iso = (column: Prisma.Sql) =>
  Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The API's Campaign of campaigns row `c`, as JSON built by the database: toCampaign in SQL, for a
 * change whose rows JavaScript only sees afterwards — the audit trail's before/after, and the change's
 * answer (one jsonb column to parse; the output schema puts its keys in the contract's order). The
 * lifecycle tests compare the trail with the responses, and an answer byte for byte with the next read.
 */
const campaignSnapshotSql = (c: Prisma.Sql): Prisma.Sql => Prisma.sql`jsonb_build_object(
  'id', ${c}.id, 'brand_id', ${c}.brand_id, 'name', ${c}.name, 'description', ${c}.description,
  'segment_id', ${c}.segment_id, 'status', ${c}.status::text, 'scheduled_at', ${iso(Prisma.sql`${c}.scheduled_at`)},
  'published_at', ${iso(Prisma.sql`${c}.published_at`)}, 'sent_at', ${iso(Prisma.sql`${c}.sent_at`)},
  'cancelled_at', ${iso(Prisma.sql`${c}.cancelled_at`)}, 'created_by', ${c}.created_by,
  'created_at', ${iso(Prisma.sql`${c}.created_at`)}, 'updated_at', ${iso(Prisma.sql`${c}.updated_at`)},
  'send_window', ${c}.send_window)`;

// The write's fixed parts, composed once: a statement's text is rebuilt from its fragments on every call
// (Prisma.sql flattens them), and these are most of it.
const LOCKED_SNAPSHOT = campaignSnapshotSql(Prisma.sql`locked`);
const UPDATED_SNAPSHOT = campaignSnapshotSql(Prisma.sql`u`);
const UPDATED_AFTER = Prisma.sql`updated.after`;
const CAMPAIGNS = Prisma.sql`campaigns`;
const LOCKED_JOIN_UPDATED = Prisma.sql`locked JOIN updated ON updated.id = locked.id`;
const UPDATED_AT = Prisma.sql`updated.updated_at`;
const SET_VERSION = Prisma.sql`updated_at = locked.version`;

/**
 * Runs a change's lock and write in one round trip and hands both statements' rows to `finish`, which
 * returns the result or throws why nothing was written. With an idempotency record to write
 * (`deps.recordOutcome`), it is written in the same transaction before COMMIT (one more round trip).
 */
export async function runPipelinedChange<T>(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  write: Prisma.Sql,
  finish: (locked: LockedRow | undefined, written: unknown[]) => T,
): Promise<T> {
  if (!isPlausibleId(id)) throw notFound('Campaign');
  const statements = [lockStatement(actor, id), write];
  const finishRows = ([locked, written]: unknown[][]) =>
    finish((locked as LockedRow[] | undefined)?.[0], written ?? []);
  const record = deps.recordOutcome;
  if (!record) return finishRows(await pipelinedTransaction(deps.db, statements));
  let result: T | undefined;
  await pipelinedTransaction(deps.db, statements, async (rows, sql) => {
    result = finishRows(rows);
    await record(sql, result);
  });
  return result as T;
}

/**
 * Why a change was not written, when its own conditions (e.g. "has steps") are not the reason: not found,
 * or what beginChange refuses (version, then state). Returns normally when none of these applies.
 */
export function assertChangeable(
  deps: ServiceDeps,
  locked: LockedRow | undefined,
  action: CampaignAction,
): void {
  if (!locked) throw notFound('Campaign');
  beginChange(deps, lockedFromRow(locked), action);
}

/**
 * A change to the campaign row itself (schedule, update) in one round trip: `set` (assignments, where
 * `locked.version` is the new version) is written, with its audit event, only if `action` is allowed
 * and `also` (further conditions on the locked row, e.g. "has steps") holds. When `action` is allowed
 * but nothing was written, `also` failed: `refusal` says why.
 */
export function changeCampaign(
  deps: ServiceDeps,
  actor: Actor,
  change: {
    id: string;
    action: CampaignAction;
    auditAction: AuditAction;
    now: Date;
    set: readonly Prisma.Sql[];
    also?: Prisma.Sql;
    /**
     * Names the text of `set` and `also` among the caller's (e.g. which fields an update sets): with
     * the action and If-Match, it keys the statement's text (withShape).
     */
    shape: string;
    refusal: () => Error;
  },
): Promise<Campaign> {
  const allowed = changeAllowed(deps, change.action, CAMPAIGNS);
  const write = Prisma.sql`
    WITH locked AS (
      SELECT campaigns.*, ${nextVersionSql(change.now, CAMPAIGNS)} AS version FROM campaigns
       WHERE id = ${change.id} AND brand_id = ${actor.brandId} AND ${allowed}
             ${change.also ? Prisma.sql`AND ${change.also}` : Prisma.empty}),
    updated AS (
      UPDATE campaigns u SET ${Prisma.join([...change.set, SET_VERSION], ', ')}
        FROM locked WHERE u.id = locked.id
      RETURNING u.id, u.updated_at, ${UPDATED_SNAPSHOT} AS after),
    audit AS (${auditEventInsertSql(LOCKED_JOIN_UPDATED, {
      campaignId: change.id,
      actor,
      action: change.auditAction,
      before: LOCKED_SNAPSHOT,
      after: UPDATED_AFTER,
      at: UPDATED_AT,
    })})
    SELECT after FROM updated`;
  // The rest of the text is fixed.
  const shape = `changeCampaign/${change.shape}/${changeAllowedShape(deps)}`;
  return runPipelinedChange(deps, actor, change.id, withShape(write, shape), (locked, written) => {
    const row = written[0] as { after: Campaign } | undefined;
    if (!row) {
      assertChangeable(deps, locked, change.action);
      throw change.refusal();
    }
    deps.reportVersion?.(etagOf(row.after.updated_at));
    return row.after;
  });
}
