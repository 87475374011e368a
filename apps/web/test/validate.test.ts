import {
  AddStepInputSchema,
  CreateCampaignInputSchema,
  ScheduleCampaignInputSchema,
} from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import { validate } from '../src/forms/validate';

describe('validate with the contract’s schemas', () => {
  it('passes valid input through, with the schema’s defaults', () => {
    const result = validate(AddStepInputSchema, {
      id: 'cmp_1',
      position: 0,
      template_id: 't',
      template_version_id: 'v',
    });
    expect(result).toEqual({
      ok: true,
      data: {
        id: 'cmp_1',
        position: 0,
        template_id: 't',
        template_version_id: 'v',
        delay_minutes: 0,
        variables: {},
      },
    });
  });

  it('reports each field once, in a marketer’s words', () => {
    const result = validate(CreateCampaignInputSchema, { name: '', segment_id: 'x'.repeat(129) });
    expect(result).toEqual({
      ok: false,
      fields: { name: 'Required.', segment_id: 'Use at most 128 characters.' },
    });
  });

  it('explains numbers and date-times', () => {
    const step = validate(AddStepInputSchema, {
      id: 'cmp_1',
      position: 0,
      template_id: 't',
      template_version_id: 'v',
      delay_minutes: 1.5,
    });
    expect(step).toEqual({ ok: false, fields: { delay_minutes: 'Enter a whole number.' } });
    const schedule = validate(ScheduleCampaignInputSchema, { id: 'cmp_1', scheduled_at: '2026-11-23T10:00' });
    expect(schedule).toEqual({ ok: false, fields: { scheduled_at: 'Enter a valid date and time.' } });
  });

  it('checks the variables’ size in the browser too (TextEncoder, not Buffer)', () => {
    const result = validate(AddStepInputSchema, {
      id: 'cmp_1',
      position: 0,
      template_id: 't',
      template_version_id: 'v',
      variables: { text: 'é'.repeat(17_000) },
    });
    expect(result.ok).toBe(false);
  });
});
