import type { ApiErrorCode, BadStateReason, ValidationIssue } from '@campaigns/contract';

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

export const notFound = (what: 'Campaign' | 'Step') => new DomainError('not_found', `${what} not found`);

export const badState = (reason: BadStateReason, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('bad_state', message, { reason, ...details });

export const validationFailed = (issues: ValidationIssue[], message = 'Input validation failed') =>
  new DomainError('validation_failed', message, { issues });

export const unauthorized = (message: string) => new DomainError('unauthorized', message);

export const forbidden = (requiredScope: string) =>
  new DomainError('forbidden', `This token lacks the scope ${requiredScope}`, {
    required_scope: requiredScope,
  });
