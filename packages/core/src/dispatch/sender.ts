import type { Delivery } from '@campaigns/contract';
import type { Logger } from '@campaigns/db';

/** A recorded delivery plus what a channel needs to render and address it. */
export interface SendRequest {
  delivery: Delivery;
  brandId: string;
  segmentId: string;
  templateId: string;
  templateVersionId: string;
  variables: Record<string, unknown>;
}

/**
 * Where fired steps go: a real channel (email, push, a message bus) plugs in here.
 *
 * Semantics (docs/dispatch.md, "The sender"): the RECORD is exactly once; the call is at least once.
 * `send` is called after the delivery's transaction has committed, by the process that recorded it;
 * if it throws, or that process dies first, the delivery stays in the sender's outbox and a dispatcher
 * hands it off again later. Pass `delivery.id` to the provider as the idempotency key, which makes a
 * repeated hand-off harmless.
 */
export interface Sender {
  send(request: SendRequest): Promise<void>;
  /**
   * Resolves once the channel holds everything `send` was given so far (a buffered channel: the log
   * lines have left the process). Awaited before the deliveries leave the sender's outbox; a rejection
   * leaves them there, to be handed off again.
   */
  flush?(): Promise<void>;
}

/**
 * The default channel: the record itself, plus one structured log line per fired step. `written`
 * resolves once the logger's lines so far have left the process (apps/server's stdout destination).
 */
export const createLoggingSender = (logger: Logger, written?: () => Promise<void>): Sender => ({
  ...(written ? { flush: written } : {}),
  async send({ delivery, brandId, segmentId, templateId, templateVersionId }) {
    logger.info(
      {
        event: 'step_fired',
        delivery_id: delivery.id,
        campaign_id: delivery.campaign_id,
        step_id: delivery.step_id,
        position: delivery.position,
        due_at: delivery.due_at,
        fired_at: delivery.fired_at,
        brand_id: brandId,
        segment_id: segmentId,
        template_id: templateId,
        template_version_id: templateVersionId,
      },
      'step fired',
    );
  },
});
