import pg from 'pg';

/** pg's own timestamptz parser (postgres-date): every form PostgreSQL writes, BC and 5-digit years too. */
const parseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => Date;

/**
 * A timestamptz column's text (TextRow) as `Date#toISOString` writes the instant: RFC 3339 UTC with
 * milliseconds, sub-millisecond digits dropped as Date drops them. Our sessions run in UTC with ISO
 * dates (createPrismaClient), so the text is `YYYY-MM-DD HH:MM:SS[.ffffff]+00` and becomes ISO by moving
 * characters; any other form (another TimeZone, BC, year 10000+, or RFC 3339 already) goes through a Date.
 */
export function isoFromTimestamptz(text: string): string {
  const length = text.length;
  if (
    (length === 22 || (length >= 24 && length <= 29 && text.charCodeAt(19) === 46)) && // '.'
    text.charCodeAt(10) === 32 && // ' '
    text.charCodeAt(length - 3) === 43 && // '+'
    text.charCodeAt(length - 2) === 48 && // '0'
    text.charCodeAt(length - 1) === 48 && // '0'
    text.charCodeAt(4) === 45 // '-'
  ) {
    const milliseconds = length === 22 ? '000' : `${text.slice(20, Math.min(23, length - 3))}00`.slice(0, 3);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${milliseconds}Z`;
  }
  return (text.endsWith('Z') ? new Date(text) : parseTimestamptz(text)).toISOString();
}
