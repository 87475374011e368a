import type { Campaign, Delivery, SendWindow, Step } from '@campaigns/contract';
import {
  type Campaign as CampaignRow,
  type Delivery as DeliveryRow,
  isoFromTimestamptz,
  Prisma,
  type Step as StepRow,
  type TextRow,
} from '@campaigns/db';

const iso = (value: Date): string => value.toISOString();
const isoOrNull = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** Rows to the contract's snake_case shapes; timestamps become RFC 3339 UTC strings with milliseconds. */
export const toCampaign = (row: CampaignRow): Campaign => ({
  id: row.id,
  brand_id: row.brandId,
  name: row.name,
  description: row.description,
  segment_id: row.segmentId,
  status: row.status,
  scheduled_at: isoOrNull(row.scheduledAt),
  published_at: isoOrNull(row.publishedAt),
  sent_at: isoOrNull(row.sentAt),
  cancelled_at: isoOrNull(row.cancelledAt),
  created_by: row.createdBy,
  created_at: iso(row.createdAt),
  updated_at: iso(row.updatedAt),
  // Written only from SendWindowInputSchema's output (services/campaigns.ts), so it has that shape.
  send_window: (row.sendWindow as SendWindow | null) ?? null,
});

/** The columns campaignFromText reads, in its order: the Campaign's fields. */
export const CAMPAIGN_TEXT_COLUMNS = Prisma.sql`id, brand_id, name, description, segment_id, status::text, scheduled_at,
  published_at, sent_at, cancelled_at, created_by, created_at, updated_at, send_window`;

const present = (text: string | null | undefined): string => {
  if (text === null || text === undefined) throw new Error('campaignFromText: a NOT NULL column is missing');
  return text;
};
const textOrNull = (text: string | null | undefined): string | null => text ?? null;
const instantOrNull = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : isoFromTimestamptz(text);

/**
 * toCampaign for a row read as text (readTextRows of CAMPAIGN_TEXT_COLUMNS): the same Campaign (a
 * property test holds the two equal), without the row path's object and Dates; the hot reads use it.
 */
export const campaignFromText = (row: TextRow): Campaign => ({
  id: present(row[0]),
  brand_id: present(row[1]),
  name: present(row[2]),
  description: textOrNull(row[3]),
  segment_id: present(row[4]),
  // The column's type is the enum of the contract's statuses.
  status: present(row[5]) as Campaign['status'],
  scheduled_at: instantOrNull(row[6]),
  published_at: instantOrNull(row[7]),
  sent_at: instantOrNull(row[8]),
  cancelled_at: instantOrNull(row[9]),
  created_by: present(row[10]),
  created_at: isoFromTimestamptz(present(row[11])),
  updated_at: isoFromTimestamptz(present(row[12])),
  // Written only from SendWindowInputSchema's output (services/campaigns.ts), so it has that shape.
  send_window: row[13] === null || row[13] === undefined ? null : (JSON.parse(row[13]) as SendWindow),
});

export const toStep = (row: StepRow): Step => ({
  id: row.id,
  campaign_id: row.campaignId,
  position: row.position,
  template_id: row.templateId,
  template_version_id: row.templateVersionId,
  delay_minutes: row.delayMinutes,
  variables: row.variables as Record<string, unknown>,
});

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  campaign_id: row.campaignId,
  step_id: row.stepId,
  position: row.position,
  due_at: iso(row.dueAt),
  fired_at: iso(row.firedAt),
});
