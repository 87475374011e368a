import { validationFailed } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';

/** Keyset position of the last item of a page: newest first, ties broken by id. */
export interface PageKey {
  createdAt: Date;
  id: string;
}

/** Opaque to callers; base64url JSON so it survives query strings unescaped. */
export const encodeCursor = (key: PageKey): string =>
  Buffer.from(JSON.stringify([key.createdAt.toISOString(), key.id])).toString('base64url');

/** `Date#toISOString` for years 0000–9999; other years (±YYYYYY) are outside what we ever store. */
const ISO_4_DIGIT_YEAR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string): PageKey {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [createdAt, id] = decoded;
      const date = typeof createdAt === 'string' ? new Date(createdAt) : new Date(Number.NaN);
      // Only what encodeCursor writes: a crafted cursor (a date PostgreSQL cannot store, a NUL in the id)
      // must be a 400, not a database error.
      const roundTrips = ISO_4_DIGIT_YEAR.test(String(createdAt)) && date.toISOString() === createdAt;
      if (typeof id === 'string' && isPlausibleId(id) && roundTrips) return { createdAt: date, id };
    }
  } catch {
    // fall through: any undecodable cursor is the same caller error
  }
  throw validationFailed([{ path: ['cursor'], message: 'Invalid cursor' }], 'Invalid cursor');
}
