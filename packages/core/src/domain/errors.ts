import {
  type ApiErrorCode,
  type BadStateReason,
  REQUEST_LIMITS,
  type ValidationIssue,
} from '@campaigns/contract';

/**
 * A failure the caller can act on. Services throw these and know nothing of HTTP or tRPC; the mapping
 * to status codes lives in one place (errors/mapping.ts).
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: 'Campaign' | 'Step' | 'Webhook' | 'Attempt') =>
  new DomainError('not_found', `${what} not found`);

export const badState = (reason: BadStateReason, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('bad_state', message, { reason, ...details });

/** `details` of a validation error: the first issues (API.md, Limits), and how many there were in all. */
export const validationDetails = (issues: readonly ValidationIssue[], count = issues.length) => ({
  issues: issues.slice(0, REQUEST_LIMITS.maxValidationIssues),
  issue_count: count,
});

export const validationFailed = (issues: ValidationIssue[], message = 'Input validation failed') =>
  new DomainError('validation_failed', message, validationDetails(issues));

export const unavailable = (message: string) => new DomainError('unavailable', message);

export const unauthorized = (message: string) => new DomainError('unauthorized', message);

export const forbidden = (requiredScope: string) =>
  new DomainError('forbidden', `This token lacks the scope ${requiredScope}`, {
    required_scope: requiredScope,
  });
