import { z } from 'zod';
import { AUDIT_ACTIONS } from './event';
import { idParam, instantOutput, text } from './primitives';

/** API.md, "Webhooks": endpoints that receive the event feed, signed per Standard Webhooks. */

export const WEBHOOK_LIMITS = {
  perBrand: 20,
  urlMax: 2048,
  descriptionMax: 500,
  attemptsPageDefault: 50,
  attemptsPageMax: 100,
  /** An attempt without a 2xx within this is a failure. */
  timeoutMs: 10_000,
  /** An endpoint failing continuously this long is disabled. */
  disableAfterMs: 5 * 24 * 60 * 60 * 1000,
  /** How long the secret before a rotation still signs. */
  previousSecretMs: 24 * 60 * 60 * 1000,
} as const;

/** What an endpoint may subscribe to: the feed's types (and `*`); `webhook.test` goes to one endpoint only. */
export const WEBHOOK_EVENT_TYPES = [...AUDIT_ACTIONS] as const;

const WEBHOOK_EXAMPLE = {
  id: 'whk_5d4c3b2a19f8e7d6c5b4a39281706f5e',
  url: 'https://hooks.example.com/campaigns',
  events: ['campaign.sent', 'delivery.fired'],
  description: 'Reporting',
  status: 'enabled',
  disabled_reason: null,
  created_at: '2030-11-23T09:00:00.000Z',
  updated_at: '2030-11-23T09:00:00.000Z',
};

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z
      .string()
      .nullable()
      .meta({ description: 'Why it was disabled, when the service did it' }),
    created_at: instantOutput,
    updated_at: instantOutput,
  })
  .meta({ id: 'Webhook', example: WEBHOOK_EXAMPLE });
export type Webhook = z.infer<typeof WebhookSchema>;

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z
    .string()
    .meta({ description: '`whsec_<base64>`: shown only in this answer; verify signatures with it' }),
}).meta({
  id: 'WebhookWithSecret',
  example: { ...WEBHOOK_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
});
export type WebhookWithSecret = z.infer<typeof WebhookWithSecretSchema>;

const events = z
  .array(z.enum([...WEBHOOK_EVENT_TYPES, '*']))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length + 1)
  .meta({ description: 'Event types to receive, or ["*"] for all', example: ['campaign.sent'] });
const url = text(1, WEBHOOK_LIMITS.urlMax).meta({
  description: 'https; never a loopback, private, link-local or metadata address',
  example: 'https://hooks.example.com/campaigns',
});

export const CreateWebhookInputSchema = z
  .strictObject({
    url,
    events,
    description: text(0, WEBHOOK_LIMITS.descriptionMax).nullable().optional(),
  })
  .meta({ examples: [{ url: WEBHOOK_EXAMPLE.url, events: ['campaign.sent'], description: 'Reporting' }] });
export type CreateWebhookInput = z.infer<typeof CreateWebhookInputSchema>;

export const WebhookIdInputSchema = z.strictObject({ id: idParam });
export type WebhookIdInput = z.infer<typeof WebhookIdInputSchema>;

export const UpdateWebhookInputSchema = z
  .strictObject({
    id: idParam,
    url: url.optional(),
    events: events.optional(),
    description: text(0, WEBHOOK_LIMITS.descriptionMax).nullable().optional(),
    status: z.enum(['enabled', 'disabled']).optional(),
  })
  .meta({ examples: [{ status: 'enabled' }] });
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInputSchema>;

export const WebhookListSchema = z
  .object({ items: z.array(WebhookSchema) })
  .meta({ id: 'WebhookList', example: { items: [WEBHOOK_EXAMPLE] } });
export type WebhookList = z.infer<typeof WebhookListSchema>;

export const SentTestSchema = z
  .object({ event_id: z.string() })
  .meta({ id: 'WebhookTestSent', example: { event_id: 'evt_0f1e2d3c4b5a69788796a5b4c3d2e1f0' } });

export const WebhookAttemptSchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    attempt: z.number().int(),
    status_code: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The receiver’s HTTP status; null when none came' }),
    error: z.string().nullable().meta({ description: 'Why it failed without a status: timeout, refused, …' }),
    duration_ms: z.number().int(),
    attempted_at: instantOutput,
    next_retry_at: instantOutput
      .nullable()
      .meta({ description: 'When it is retried; null: delivered or given up' }),
  })
  .meta({
    id: 'WebhookAttempt',
    example: {
      id: 'wha_0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      event_id: 'evt_3c2b1a09f8e7d6c5b4a3928170f6e5d4',
      event_type: 'campaign.sent',
      attempt: 1,
      status_code: 200,
      error: null,
      duration_ms: 42,
      attempted_at: '2030-11-23T10:00:01.000Z',
      next_retry_at: null,
    },
  });
export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

export const ListAttemptsInputSchema = z.strictObject({
  id: idParam,
  limit: z.number().int().min(1).max(WEBHOOK_LIMITS.attemptsPageMax).optional(),
  cursor: z.string().max(512).optional().meta({ description: 'Opaque; `next_cursor` of the previous page' }),
});
export type ListAttemptsInput = z.infer<typeof ListAttemptsInputSchema>;

export const WebhookAttemptPageSchema = z
  .object({ items: z.array(WebhookAttemptSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'WebhookAttemptList', example: { items: [], next_cursor: null } });
export type WebhookAttemptPage = z.infer<typeof WebhookAttemptPageSchema>;

export const ResendInputSchema = z.strictObject({ id: idParam, attempt_id: idParam });
export type ResendInput = z.infer<typeof ResendInputSchema>;

export const AcceptedSchema = z
  .object({ accepted: z.literal(true) })
  .meta({ id: 'Accepted', example: { accepted: true } });
