import { Prisma } from '@campaigns/db';

/**
 * The API's Campaign (mappers.ts, toCampaign) as the database writes it, for the changes whose rows
 * JavaScript sees only afterwards (services/pipelined-change.ts). Timestamps are stored to the
 * millisecond (timestamptz(3)), so this text is exactly `Date#toISOString` of the same instant; the
 * lifecycle tests compare reads, answers to changes and the audit trail's snapshots byte for byte.
 *
 * Reads keep the row and toCampaign: formatting a page's 40 timestamps here cost PostgreSQL ~45 µs
 * per page, more than the ~24 µs JavaScript saved (same-run bench, docs/performance.md).
 */

/** `column` as an RFC 3339 UTC instant with milliseconds, as toISOString writes it (NULL stays NULL). */
export const isoSql = (column: Prisma.Sql): Prisma.Sql =>
  Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const col = (c: Prisma.Sql, name: string) => Prisma.sql`${c}.${Prisma.raw(name)}`;

/** The Campaign of row `c` as one jsonb value: the audit trail's before/after, and a change's answer. */
export const campaignJsonSql = (c: Prisma.Sql): Prisma.Sql => Prisma.sql`jsonb_build_object(
  'id', ${c}.id, 'brand_id', ${c}.brand_id, 'name', ${c}.name, 'description', ${c}.description,
  'segment_id', ${c}.segment_id, 'status', ${c}.status::text,
  'scheduled_at', ${isoSql(col(c, 'scheduled_at'))}, 'published_at', ${isoSql(col(c, 'published_at'))},
  'sent_at', ${isoSql(col(c, 'sent_at'))}, 'cancelled_at', ${isoSql(col(c, 'cancelled_at'))},
  'created_by', ${c}.created_by, 'created_at', ${isoSql(col(c, 'created_at'))},
  'updated_at', ${isoSql(col(c, 'updated_at'))}, 'send_window', ${c}.send_window)`;
