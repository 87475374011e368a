import { validationFailed } from '../domain/errors';

/** Keyset position of the last item of a page: newest first, ties broken by id. */
export interface PageKey {
  createdAt: Date;
  id: string;
}

/** Opaque to callers; base64url JSON so it survives query strings unescaped. */
export const encodeCursor = (key: PageKey): string =>
  Buffer.from(JSON.stringify([key.createdAt.toISOString(), key.id])).toString('base64url');

export function decodeCursor(cursor: string): PageKey {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [createdAt, id] = decoded;
      const date = typeof createdAt === 'string' ? new Date(createdAt) : new Date(Number.NaN);
      if (typeof id === 'string' && !Number.isNaN(date.getTime())) return { createdAt: date, id };
    }
  } catch {
    // fall through: any undecodable cursor is the same caller error
  }
  throw validationFailed([{ path: ['cursor'], message: 'Invalid cursor' }], 'Invalid cursor');
}
