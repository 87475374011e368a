import { z } from 'zod';
import { ACTOR_TYPES, AuditActionSchema } from './event';
import { CAMPAIGN_EXAMPLE } from './examples';
import { idParam, instantOutput } from './primitives';

/**
 * The event feed (API.md, "Events"): every audit entry as an event, in one payload shape on every
 * channel (events.list, the live stream, webhooks). Its order is commit order with nothing skipped
 * (docs/events.md says how).
 */

export const FEED_LIMITS = { pageSizeDefault: 50, pageSizeMax: 200 } as const;

// Historical documents, like the audit trail's snapshots: the shape the API had when they were written.
const document = (description: string) => z.record(z.string(), z.unknown()).meta({ description });

const FEED_EVENT_EXAMPLE = {
  id: 'evt_3c2b1a09f8e7d6c5b4a3928170f6e5d4',
  type: 'campaign.scheduled',
  created_at: '2030-11-23T10:00:00.000Z',
  brand_id: CAMPAIGN_EXAMPLE.brand_id,
  actor: { type: 'user', id: CAMPAIGN_EXAMPLE.created_by },
  data: { campaign: CAMPAIGN_EXAMPLE },
};

export const FeedEventSchema = z
  .object({
    id: z.string().meta({ description: 'The audit entry’s id; the stream’s `id:` and `Last-Event-ID`' }),
    type: AuditActionSchema,
    created_at: instantOutput,
    brand_id: z.string(),
    actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string() }),
    data: z
      .object({
        campaign: document('The Campaign after the change (for step.* and delivery.fired: as it was then)')
          .nullable()
          .optional(),
        step: document('step.*: the Step after the change (before it, for step.removed)').optional(),
        delivery: document('delivery.fired: the Delivery').optional(),
      })
      .meta({
        description: '`campaign` for every type; also `step` (step.*) or `delivery` (delivery.fired)',
      }),
  })
  .meta({ id: 'Event', example: FEED_EVENT_EXAMPLE });
export type FeedEvent = z.infer<typeof FeedEventSchema>;

export const ListFeedInputSchema = z.strictObject({
  campaign_id: idParam.optional().meta({ description: 'Only this campaign’s events' }),
  // A query parameter: see ListCampaignsInputSchema.
  limit: z.number().int().min(1).max(FEED_LIMITS.pageSizeMax).optional(),
  cursor: z.string().max(512).optional().meta({ description: 'Opaque; `next_cursor` of the previous page' }),
});
export type ListFeedInput = z.infer<typeof ListFeedInputSchema>;

export const FeedPageSchema = z
  .object({
    items: z.array(FeedEventSchema),
    next_cursor: z.string().nullable().meta({
      description:
        'Where to continue, also after the last page (a feed: later events come after it); null only while there are no events at all',
    }),
  })
  .meta({ id: 'EventList', example: { items: [FEED_EVENT_EXAMPLE], next_cursor: null } });
export type FeedPage = z.infer<typeof FeedPageSchema>;

export const OnEventInputSchema = z.strictObject({
  campaign_id: idParam.optional(),
  /** Set by tRPC's httpSubscriptionLink on a reconnect: the last event id it received. */
  lastEventId: z.string().max(512).nullish(),
});
export type OnEventInput = z.infer<typeof OnEventInputSchema>;
