import { validationFailed } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';

/**
 * The one cursor codec of every keyset pager: a cursor is opaque to callers (base64url of the page's
 * last key), and a cursor the service did not write — tampered, truncated, another pager's — is a 400
 * at the field that carried it, never a database error.
 */
export const encodeOpaque = (key: string): string => Buffer.from(key).toString('base64url');

export function decodeOpaque<T>(cursor: string, parse: (key: string) => T | undefined, field = 'cursor'): T {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only what encodeOpaque writes: base64url has several spellings of the same bytes.
  const parsed = encodeOpaque(key) === cursor ? parse(key) : undefined;
  if (parsed === undefined) {
    throw validationFailed([{ path: [field], message: 'Invalid cursor' }], 'Invalid cursor');
  }
  return parsed;
}

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A non-negative bigint key as PostgreSQL's bigint can hold it (`seq`, `tx_id`), or undefined. */
export const parseBigint = (text: string): bigint | undefined =>
  /^[0-9]{1,19}$/.test(text) && BigInt(text) <= MAX_BIGINT ? BigInt(text) : undefined;

/** Keyset position of the last campaign of a page: newest first, ties broken by id. */
export interface PageKey {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (key: PageKey): string =>
  encodeOpaque(JSON.stringify([key.createdAt.toISOString(), key.id]));

/** `Date#toISOString` for years 0000–9999; other years (±YYYYYY) are outside what we ever store. */
const ISO_4_DIGIT_YEAR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const decodeCursor = (cursor: string): PageKey =>
  decodeOpaque(cursor, (key) => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(key);
    } catch {
      return undefined;
    }
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [createdAt, id] = decoded;
    // A date PostgreSQL cannot store, or a NUL in the id, must be a 400, not a database error.
    if (typeof createdAt !== 'string' || !ISO_4_DIGIT_YEAR.test(createdAt)) return undefined;
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) return undefined;
    return typeof id === 'string' && isPlausibleId(id) ? { createdAt: date, id } : undefined;
  });
