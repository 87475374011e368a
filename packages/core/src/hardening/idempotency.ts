import { createHash } from 'node:crypto';
import { API_ERROR_CODES, type ApiErrorCode } from '@campaigns/contract';
import { Prisma, type PrismaClient } from '@campaigns/db';
import { type LockTx, rowsOf } from '../services/campaign-lock';
import { canonicalJson } from './canonical-json';

/**
 * `Idempotency-Key` records (docs/hardening.md, Idempotency). A key belongs to a brand; its row holds the
 * fingerprint of the first request and, once that request finished, its response. The first request
 * claims the key with one `INSERT ... ON CONFLICT` — PostgreSQL's unique index decides which of several
 * concurrent requests owns it — and the others answer from the row: the stored response, or 409 while
 * the owner still runs.
 */
export const IDEMPOTENCY = {
  keyMinLength: 1,
  keyMaxLength: 255,
  /** How long a response is replayed. */
  retentionMs: 24 * 60 * 60 * 1000,
  /**
   * How long a claim holds without a response. Past it, a retry with the same request takes the key
   * over: the process that claimed it is presumed dead (a request takes milliseconds, not a minute).
   */
  leaseMs: 60 * 1000,
} as const;

/** What the first call came to, whatever surface it came in by; each surface maps it at its edge. */
export type StoredOutcome =
  | {
      ok: true;
      /** The procedure's result, as JSON. */
      value: unknown;
      /** The version of the campaign it returned (the `ETag` a REST replay sends again). */
      etag?: string;
    }
  | { ok: false; error: { code: ApiErrorCode; message: string; details: Record<string, unknown> } };

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; outcome: StoredOutcome }
  | { kind: 'reused' }
  | { kind: 'in_progress' };

export interface KeyRef {
  brandId: string;
  key: string;
}

/**
 * sha256 of the procedure path, the canonical JSON of its input (key order does not matter) and the
 * `If-Match` header (API.md: part of the fingerprint), so a retry must repeat the same precondition.
 */
export const requestFingerprint = (procedure: string, input: unknown, ifMatch?: string): string => {
  const hash = createHash('sha256').update(procedure).update('\n').update(canonicalJson(input));
  if (ifMatch !== undefined) hash.update('\nif-match:').update(ifMatch);
  return hash.digest('hex');
};

interface Row {
  fingerprint: string;
  succeeded: boolean | null;
  response_body: unknown;
  response_etag: string | null;
}

const parseBody = (body: unknown): unknown => (typeof body === 'string' ? JSON.parse(body) : body);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isErrorCode = (code: unknown): code is ApiErrorCode =>
  typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);

/** A stored failure as written by `bodyOf`; anything else (a hand-edited row) replays as `internal`. */
function failureOf(body: unknown): Extract<StoredOutcome, { ok: false }> {
  const error = isRecord(body) ? body : {};
  return {
    ok: false,
    error: {
      code: isErrorCode(error.error) ? error.error : 'internal',
      message: typeof error.message === 'string' ? error.message : 'Request failed',
      details: isRecord(error.details) ? error.details : {},
    },
  };
}

const bodyOf = (outcome: StoredOutcome): unknown =>
  outcome.ok
    ? outcome.value
    : { error: outcome.error.code, message: outcome.error.message, details: outcome.error.details };

/**
 * Claims `ref` for a request, or tells what to answer instead. An expired key is free again, and so is
 * a key whose claim outlived its lease when the same request comes back.
 */
export async function claimKey(
  db: PrismaClient,
  ref: KeyRef & { fingerprint: string; procedure: string; now: Date; leaseMs?: number },
): Promise<Claim> {
  const { brandId, key, fingerprint, procedure, now } = ref;
  const lockedUntil = new Date(now.getTime() + (ref.leaseMs ?? IDEMPOTENCY.leaseMs));
  const expiresAt = new Date(now.getTime() + IDEMPOTENCY.retentionMs);
  // Twice at most: the row seen as conflicting may be gone (released, purged) by the time it is read.
  for (let attempt = 0; attempt < 2; attempt++) {
    const claimed = await db.$queryRaw<{ claimed: number }[]>`
      INSERT INTO idempotency_keys
             (brand_id, key, fingerprint, procedure, locked_until, created_at, expires_at)
      VALUES (${brandId}, ${key}, ${fingerprint}, ${procedure}, ${lockedUntil}, ${now}, ${expiresAt})
      ON CONFLICT (brand_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, procedure = EXCLUDED.procedure,
             succeeded = NULL, response_body = NULL, locked_until = EXCLUDED.locked_until,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= ${now}
          OR (idempotency_keys.succeeded IS NULL AND idempotency_keys.locked_until <= ${now}
              AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
      RETURNING 1 AS claimed`;
    if (claimed.length > 0) return { kind: 'claimed' };

    const rows = await db.$queryRaw<Row[]>`
      SELECT fingerprint, succeeded, response_body, response_etag FROM idempotency_keys
       WHERE brand_id = ${brandId} AND key = ${key}`;
    const row = rows[0];
    if (!row) continue;
    if (row.fingerprint !== fingerprint) return { kind: 'reused' };
    if (row.succeeded === null) return { kind: 'in_progress' };
    const body = parseBody(row.response_body);
    if (!row.succeeded) return { kind: 'replay', outcome: failureOf(body) };
    return {
      kind: 'replay',
      outcome: { ok: true, value: body, ...(row.response_etag !== null ? { etag: row.response_etag } : {}) },
    };
  }
  return { kind: 'in_progress' };
}

const completion = (ref: KeyRef, outcome: StoredOutcome) => Prisma.sql`
  UPDATE idempotency_keys
     SET succeeded = ${outcome.ok}, response_body = ${JSON.stringify(bodyOf(outcome))}::json,
         response_etag = ${(outcome.ok && outcome.etag) || null}, locked_until = NULL
   WHERE brand_id = ${ref.brandId} AND key = ${ref.key} AND succeeded IS NULL`;

/** Stores the outcome of a claimed key's first call; it is replayed from now on. */
export async function completeKey(db: PrismaClient, ref: KeyRef, outcome: StoredOutcome): Promise<void> {
  await db.$executeRaw(completion(ref, outcome));
}

/** completeKey inside the transaction of the work itself: the change and its outcome commit together. */
export async function completeKeyIn(tx: LockTx, ref: KeyRef, outcome: StoredOutcome): Promise<void> {
  await rowsOf(
    tx,
    Prisma.sql`WITH done AS (${completion(ref, outcome)} RETURNING 1) SELECT count(*)::int AS n FROM done`,
  );
}

/** Gives a claimed key up without a response (nothing was done, or it failed unexpectedly). */
export async function releaseKey(db: PrismaClient, ref: KeyRef & { fingerprint: string }): Promise<void> {
  await db.$executeRaw`
    DELETE FROM idempotency_keys
     WHERE brand_id = ${ref.brandId} AND key = ${ref.key} AND fingerprint = ${ref.fingerprint}
       AND succeeded IS NULL`;
}

/** Deletes every key past its 24 hours; returns how many. */
export const purgeExpiredIdempotencyKeys = (db: PrismaClient, now: Date): Promise<number> =>
  db.$executeRaw`DELETE FROM idempotency_keys WHERE expires_at <= ${now}`;
