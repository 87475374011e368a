import { z } from 'zod';
import { DELIVERY_EXAMPLE, DELIVERY_LIST_EXAMPLE } from './examples';
import { instantOutput } from './primitives';

/** A fired step, as recorded by the dispatcher. Written once, never changed. */
export const DeliverySchema = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    step_id: z.string(),
    position: z.number().int().meta({ description: 'The step’s position (0 is first)' }),
    due_at: instantOutput.meta({ description: 'scheduled_at plus the delays of steps 0..position' }),
    fired_at: instantOutput.meta({ description: 'When the step fired; later than due_at if it fired late' }),
  })
  .meta({ id: 'Delivery', example: DELIVERY_EXAMPLE });
export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveryListSchema = z
  .object({ items: z.array(DeliverySchema) })
  .meta({ id: 'DeliveryList', example: DELIVERY_LIST_EXAMPLE });
export type DeliveryList = z.infer<typeof DeliveryListSchema>;
