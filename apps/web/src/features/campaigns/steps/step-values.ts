import type { FieldErrors } from '../../../api/describe-error';
import type { Step } from '../../../api/types';

/** A step form's fields as typed. Positions are shown from 1 ("Step 1"); the API counts from 0. */
export interface StepFieldValues {
  position: string;
  template_id: string;
  template_version_id: string;
  delay_minutes: string;
  variables: string;
}

export const STEP_FIELDS = [
  'position',
  'template_id',
  'template_version_id',
  'delay_minutes',
  'variables',
] as const;

export interface StepDraft {
  position: number;
  template_id: string;
  template_version_id: string;
  delay_minutes: number;
  variables: Record<string, unknown>;
}

export type ParsedStep = { ok: true; step: StepDraft } | { ok: false; fields: FieldErrors };

export const VARIABLES_EXAMPLE = '{"first_name": "Ada"}';

// A blank or non-numeric entry becomes NaN, which the contract's schema reports as "Enter a whole number".
const toNumber = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text.trim()));

function parseVariables(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The form's text as the API's values. Only what text cannot say is checked here (JSON syntax); ranges and
 * lengths are left to the contract's schema so that the rules live in one place.
 */
export function parseStepFields(values: StepFieldValues): ParsedStep {
  const variables = parseVariables(values.variables);
  if (variables === null) {
    return {
      ok: false,
      fields: { variables: `Write the variables as a JSON object, e.g. ${VARIABLES_EXAMPLE}.` },
    };
  }
  return {
    ok: true,
    step: {
      position: toNumber(values.position) - 1,
      template_id: values.template_id.trim(),
      template_version_id: values.template_version_id.trim(),
      delay_minutes: values.delay_minutes.trim() === '' ? 0 : toNumber(values.delay_minutes),
      variables,
    },
  };
}

export function stepToFields(step: Step): StepFieldValues {
  const hasVariables = Object.keys(step.variables).length > 0;
  return {
    position: String(step.position + 1),
    template_id: step.template_id,
    template_version_id: step.template_version_id,
    delay_minutes: String(step.delay_minutes),
    variables: hasVariables ? JSON.stringify(step.variables, null, 2) : '',
  };
}

/** "No wait", "45 minutes", "1 hour 30 minutes", "2 days 3 hours". */
export function formatDelay(minutes: number): string {
  if (minutes === 0) return 'No wait';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const unit = (count: number, word: string) =>
    count === 0 ? null : `${count} ${word}${count === 1 ? '' : 's'}`;
  return [unit(days, 'day'), unit(hours, 'hour'), unit(rest, 'minute')].filter(Boolean).join(' ');
}
