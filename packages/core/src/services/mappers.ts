import type { Campaign, Delivery, SendWindow, Step } from '@campaigns/contract';
import type { Campaign as CampaignRow, Delivery as DeliveryRow, Step as StepRow } from '@campaigns/db';

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
