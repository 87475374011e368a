import { z } from 'zod';
import {
  CAMPAIGN_EXAMPLE,
  CAMPAIGN_PAGE_EXAMPLE,
  CREATE_CAMPAIGN_EXAMPLE,
  SCHEDULE_CAMPAIGN_EXAMPLE,
  UPDATE_CAMPAIGN_EXAMPLE,
} from './examples';
import { idParam, instantInput, instantOutput, text, trimmedText } from './primitives';
import { SendWindowInputSchema, SendWindowSchema } from './send-window';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export const CampaignStatusSchema = z.enum(CAMPAIGN_STATUSES).meta({ id: 'CampaignStatus' });
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

export const CAMPAIGN_LIMITS = {
  nameMax: 200,
  descriptionMax: 2000,
  segmentIdMax: 128,
  pageSizeDefault: 20,
  pageSizeMax: 100,
  searchMin: 3,
  searchMax: 200,
} as const;

/** A campaign, exactly as the schedule seed's 200 response. */
export const CampaignSchema = z
  .object({
    id: z.string(),
    brand_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    segment_id: z.string(),
    status: CampaignStatusSchema,
    scheduled_at: instantOutput.nullable(),
    published_at: instantOutput.nullable(),
    sent_at: instantOutput.nullable(),
    cancelled_at: instantOutput.nullable(),
    created_by: z.string(),
    created_at: instantOutput,
    updated_at: instantOutput,
    send_window: SendWindowSchema.nullable().meta({ description: 'null: steps fire at any time' }),
  })
  .meta({ id: 'Campaign', example: CAMPAIGN_EXAMPLE });
export type Campaign = z.infer<typeof CampaignSchema>;

const campaignFields = {
  name: trimmedText(1, CAMPAIGN_LIMITS.nameMax).meta({
    description: 'Trimmed; blank after trimming is refused',
    example: 'Black Friday reminders',
  }),
  description: text(0, CAMPAIGN_LIMITS.descriptionMax).nullable(),
  segment_id: trimmedText(1, CAMPAIGN_LIMITS.segmentIdMax).meta({
    description: 'Trimmed; blank after trimming is refused',
    example: 'seg_vip',
  }),
  send_window: SendWindowInputSchema.nullable().meta({
    description: 'Replaced wholesale; null (the default) removes it: steps fire at any time',
  }),
};

// Request body examples go in `examples`: the only example keyword trpc-to-openapi copies to the body.
export const CreateCampaignInputSchema = z
  .strictObject({
    name: campaignFields.name,
    description: campaignFields.description.optional(),
    segment_id: campaignFields.segment_id,
    send_window: campaignFields.send_window.optional(),
  })
  .meta({ examples: [CREATE_CAMPAIGN_EXAMPLE] });
export type CreateCampaignInput = z.infer<typeof CreateCampaignInputSchema>;

export const CampaignIdInputSchema = z.strictObject({ id: idParam });
export type CampaignIdInput = z.infer<typeof CampaignIdInputSchema>;

export const UpdateCampaignInputSchema = z
  .strictObject({
    id: idParam,
    name: campaignFields.name.optional(),
    description: campaignFields.description.optional(),
    segment_id: campaignFields.segment_id.optional(),
    send_window: campaignFields.send_window.optional(),
  })
  .meta({ examples: [UPDATE_CAMPAIGN_EXAMPLE] });
export type UpdateCampaignInput = z.infer<typeof UpdateCampaignInputSchema>;

export const ScheduleCampaignInputSchema = z
  .strictObject({
    id: idParam,
    scheduled_at: instantInput,
  })
  .meta({ examples: [SCHEDULE_CAMPAIGN_EXAMPLE] });
export type ScheduleCampaignInput = z.infer<typeof ScheduleCampaignInputSchema>;

export const ListCampaignsInputSchema = z.strictObject({
  status: CampaignStatusSchema.optional(),
  // A query parameter: the REST layer reads a decimal string as a number (only for this request; the
  // schema itself never coerces, so tRPC callers must send a number). Anything else fails here.
  limit: z.number().int().min(1).max(CAMPAIGN_LIMITS.pageSizeMax).optional(),
  cursor: z.string().max(512).optional().meta({ description: 'Opaque; `next_cursor` of the previous page' }),
  q: text(CAMPAIGN_LIMITS.searchMin, CAMPAIGN_LIMITS.searchMax).optional().meta({
    description:
      'Only campaigns whose name contains this text, case-insensitively (`%` and `_` are literal characters)',
    example: 'friday',
  }),
});
export type ListCampaignsInput = z.infer<typeof ListCampaignsInputSchema>;

export const CampaignPageSchema = z
  .object({
    items: z.array(CampaignSchema),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'CampaignList', example: CAMPAIGN_PAGE_EXAMPLE });
export type CampaignPage = z.infer<typeof CampaignPageSchema>;
