import type { z } from 'zod';
import type { FieldErrors } from '../api/describe-error';

type Issue = z.core.$ZodIssue;

/** Zod's messages are written for developers; these are the same rules in a marketer's words. */
export function friendlyIssue(issue: Issue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? 'Required.' : `Use at least ${issue.minimum} characters.`;
      if (issue.origin === 'number') return `Must be ${issue.minimum} or more.`;
      return issue.message;
    case 'too_big':
      if (issue.origin === 'string') return `Use at most ${issue.maximum} characters.`;
      if (issue.origin === 'number') return `Must be ${issue.maximum} or less.`;
      return issue.message;
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int') return 'Enter a whole number.';
      return 'Required.';
    case 'invalid_format':
      return issue.format === 'datetime' ? 'Enter a valid date and time.' : issue.message;
    default:
      return issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  }
}

/** The first message per top-level field: forms show one message next to each field. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    fields[field] ??= friendlyIssue(issue);
  }
  return fields;
}

export type Validated<T> = { ok: true; data: T } | { ok: false; fields: FieldErrors };

/** Checks form values with the contract's own schema before anything is sent. */
export function validate<S extends z.ZodType>(schema: S, values: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(values);
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, fields: fieldErrorsOf(result.error) };
}
