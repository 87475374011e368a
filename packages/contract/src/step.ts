import { z } from 'zod';
import { ADD_STEP_EXAMPLE, STEP_EXAMPLE, STEP_LIST_EXAMPLE, UPDATE_STEP_EXAMPLE } from './examples';
import { idParam, LONE_SURROGATE, text } from './primitives';

export const STEP_LIMITS = {
  maxStepsPerCampaign: 100,
  templateIdMax: 128,
  delayMinutesMax: 525_600,
  variablesMaxBytes: 32 * 1024,
} as const;

const NUL_ESCAPE = '\\u0000';

/** Whether any key or string value holds a lone surrogate (iterative: no recursion on deep input). */
function hasLoneSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) {
      pending.push(...value);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/** A JSON object of template variables, ≤ 32 KiB serialized, storable in PostgreSQL's jsonb. */
export const StepVariablesSchema = z
  .record(z.string(), z.unknown())
  .superRefine((variables, ctx) => {
    const serialized = JSON.stringify(variables);
    if (new TextEncoder().encode(serialized).length > STEP_LIMITS.variablesMaxBytes) {
      ctx.addIssue({
        code: 'custom',
        message: `Must be at most ${STEP_LIMITS.variablesMaxBytes} bytes as JSON`,
      });
    }
    // jsonb cannot hold U+0000 anywhere, keys included.
    if (serialized.includes(NUL_ESCAPE)) {
      ctx.addIssue({ code: 'custom', message: 'Must not contain NUL characters' });
    }
    // Nor a lone surrogate (`"\ud800"`): jsonb refuses one, which would be a 500.
    if (hasLoneSurrogate(variables)) {
      ctx.addIssue({ code: 'custom', message: 'Must be valid Unicode (no lone surrogates)' });
    }
  })
  .meta({ example: { first_name: 'Ada' } });

/** A campaign step, exactly as the add-step seed's 201 response. */
export const StepSchema = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    position: z.number().int(),
    template_id: z.string(),
    template_version_id: z.string(),
    delay_minutes: z.number().int(),
    variables: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Step', example: STEP_EXAMPLE });
export type Step = z.infer<typeof StepSchema>;

const stepFields = {
  // Only the type is checked here: a position past the end is the 412 rule `position_out_of_range`.
  position: z.number().int().min(0).max(2_147_483_647).meta({
    description: 'Where the step goes: 0 is first; steps at and after it move one place down',
  }),
  template_id: text(1, STEP_LIMITS.templateIdMax).meta({ example: 'tpl_welcome' }),
  template_version_id: text(1, STEP_LIMITS.templateIdMax).meta({ example: 'tplv_3' }),
  delay_minutes: z.number().int().min(0).max(STEP_LIMITS.delayMinutesMax).meta({
    description: 'Minutes to wait after the previous step fired (after scheduled_at for step 0)',
  }),
  variables: StepVariablesSchema,
};

export const AddStepInputSchema = z
  .strictObject({
    id: idParam,
    position: stepFields.position,
    template_id: stepFields.template_id,
    template_version_id: stepFields.template_version_id,
    delay_minutes: stepFields.delay_minutes.default(0),
    variables: stepFields.variables.default({}),
  })
  .meta({ examples: [ADD_STEP_EXAMPLE] });
/** What a service receives: the schema's output, its defaults (delay 0, no variables) applied. */
export type AddStepInput = z.output<typeof AddStepInputSchema>;

export const UpdateStepInputSchema = z
  .strictObject({
    id: idParam,
    step_id: idParam,
    position: stepFields.position.optional(),
    template_id: stepFields.template_id.optional(),
    template_version_id: stepFields.template_version_id.optional(),
    delay_minutes: stepFields.delay_minutes.optional(),
    variables: stepFields.variables.optional(),
  })
  .meta({ examples: [UPDATE_STEP_EXAMPLE] });
export type UpdateStepInput = z.output<typeof UpdateStepInputSchema>;

export const StepRefInputSchema = z.strictObject({ id: idParam, step_id: idParam });
export type StepRefInput = z.infer<typeof StepRefInputSchema>;

export const StepListSchema = z
  .object({ items: z.array(StepSchema) })
  .meta({ id: 'StepList', example: STEP_LIST_EXAMPLE });
export type StepList = z.infer<typeof StepListSchema>;
