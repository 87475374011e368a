import { describe, expect, it } from 'vitest';
import { formatDelay, parseStepFields, stepToFields } from '../src/features/campaigns/steps/step-values';

const fields = {
  position: '2',
  template_id: ' tpl_welcome ',
  template_version_id: 'tplv_3',
  delay_minutes: '',
  variables: '',
};

describe('parseStepFields', () => {
  it('turns the form’s text into API values, positions counted from 1 on screen and from 0 in the API', () => {
    expect(parseStepFields(fields)).toEqual({
      ok: true,
      step: {
        position: 1,
        template_id: 'tpl_welcome',
        template_version_id: 'tplv_3',
        delay_minutes: 0,
        variables: {},
      },
    });
  });

  it('parses variables as a JSON object and explains anything else', () => {
    expect(parseStepFields({ ...fields, variables: '{"first_name":"Ada"}' })).toMatchObject({
      ok: true,
      step: { variables: { first_name: 'Ada' } },
    });
    for (const variables of ['{first_name: Ada}', '[1]', '"text"']) {
      expect(parseStepFields({ ...fields, variables })).toEqual({
        ok: false,
        fields: { variables: 'Write the variables as a JSON object, e.g. {"first_name": "Ada"}.' },
      });
    }
  });

  it('leaves a non-number for the schema to report', () => {
    const parsed = parseStepFields({ ...fields, delay_minutes: 'soon' });
    expect(parsed.ok && Number.isNaN(parsed.step.delay_minutes)).toBe(true);
  });

  it('round-trips a step into the edit form', () => {
    const step = {
      id: 'stp_1',
      campaign_id: 'cmp_1',
      position: 0,
      template_id: 't',
      template_version_id: 'v',
      delay_minutes: 5,
      variables: { a: 1 },
    };
    expect(stepToFields(step)).toEqual({
      position: '1',
      template_id: 't',
      template_version_id: 'v',
      delay_minutes: '5',
      variables: '{\n  "a": 1\n}',
    });
  });
});

describe('formatDelay', () => {
  it('reads like a person would say it', () => {
    expect(formatDelay(0)).toBe('No wait');
    expect(formatDelay(1)).toBe('1 minute');
    expect(formatDelay(90)).toBe('1 hour 30 minutes');
    expect(formatDelay(2 * 1440 + 180)).toBe('2 days 3 hours');
  });
});
