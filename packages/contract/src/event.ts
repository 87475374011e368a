import { z } from 'zod';
import { CAMPAIGN_EXAMPLE } from './examples';
import { idParam, instantOutput } from './primitives';

/**
 * What an audit event records. `campaign.sending`, `campaign.sent` and `delivery.fired` are the
 * dispatcher's (actor_type `system`); every other action is a caller's change (actor_type `user`).
 */
export const AUDIT_ACTIONS = [
  'campaign.created',
  'campaign.updated',
  'campaign.scheduled',
  'campaign.unscheduled',
  'campaign.cancelled',
  'campaign.sending',
  'campaign.sent',
  'step.added',
  'step.updated',
  'step.removed',
  'delivery.fired',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS).meta({ id: 'AuditAction' });
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const ACTOR_TYPES = ['user', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const EVENT_LIMITS = { pageSizeDefault: 50, pageSizeMax: 100 } as const;

// Snapshots are historical documents: they keep the shape the API had when they were written, so they
// are typed as objects here rather than validated against today's Campaign and Step schemas.
const snapshot = (description: string) => z.record(z.string(), z.unknown()).nullable().meta({ description });

const CAMPAIGN_EVENT_EXAMPLE = {
  id: 'evt_3c2b1a09f8e7d6c5b4a3928170f6e5d4',
  campaign_id: CAMPAIGN_EXAMPLE.id,
  step_id: null,
  action: 'campaign.updated',
  actor_type: 'user',
  actor: CAMPAIGN_EXAMPLE.created_by,
  occurred_at: '2030-11-23T09:30:00.000Z',
  before: { ...CAMPAIGN_EXAMPLE, name: 'Black Friday', updated_at: '2030-11-23T09:00:00.000Z' },
  after: { ...CAMPAIGN_EXAMPLE, updated_at: '2030-11-23T09:30:00.000Z' },
};

/** One change to a campaign or its steps, as recorded in the append-only audit trail. */
export const CampaignEventSchema = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    step_id: z.string().nullable().meta({ description: 'The step concerned, for step.* actions' }),
    action: AuditActionSchema,
    actor_type: z.enum(ACTOR_TYPES).meta({
      description: '`user`: a caller, `actor` is its token’s `sub`; `system`: e.g. the dispatcher',
    }),
    actor: z.string().meta({ description: 'Who made the change', example: 'user_demo' }),
    occurred_at: instantOutput,
    before: snapshot(
      'The Campaign (campaign.*) or Step (step.*) as the API returned it before the change; null for created/added',
    ),
    after: snapshot(
      'The Campaign (campaign.*), Step (step.*) or Delivery (delivery.fired) as the API returned it after the change; null for step.removed',
    ),
  })
  .meta({ id: 'CampaignEvent', example: CAMPAIGN_EVENT_EXAMPLE });
export type CampaignEvent = z.infer<typeof CampaignEventSchema>;

export const ListEventsInputSchema = z.strictObject({
  id: idParam,
  // A query parameter: see ListCampaignsInputSchema.
  limit: z.number().int().min(1).max(EVENT_LIMITS.pageSizeMax).optional(),
  cursor: z.string().max(512).optional().meta({ description: 'Opaque; `next_cursor` of the previous page' }),
});
export type ListEventsInput = z.infer<typeof ListEventsInputSchema>;

export const CampaignEventPageSchema = z
  .object({
    items: z.array(CampaignEventSchema),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'CampaignEventList', example: { items: [CAMPAIGN_EVENT_EXAMPLE], next_cursor: null } });
export type CampaignEventPage = z.infer<typeof CampaignEventPageSchema>;
