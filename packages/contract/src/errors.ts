import { z } from 'zod';

/** The `error` codes of the contract's error body, one per HTTP status family (API.md, Errors). */
export const API_ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'request_timeout',
  'bad_state',
  'precondition_failed',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'unavailable',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** A validation issue as callers see it: where, and what is wrong. */
export const ValidationIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

/** The error body of every non-2xx `/v1` response, exactly as in the seeds. */
export const ErrorBodySchema = z
  .object({
    error: z.string().meta({ description: 'Machine-readable error code', example: 'bad_state' }),
    message: z.string().meta({ description: 'Human-readable explanation' }),
    details: z.record(z.string(), z.unknown()).optional().meta({
      description: 'Structured context: `reason` for 412, `issues` for 400, `required_scope` for 403',
    }),
  })
  .meta({
    // Not `Error`: generated clients would export a type shadowing the global Error.
    id: 'ErrorResponse',
    example: {
      error: 'bad_state',
      message: 'Campaign is sent; only draft or scheduled campaigns can be scheduled',
      details: { reason: 'invalid_status', status: 'sent' },
    },
  });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The `details.reason` of 412 `precondition_failed`: the `If-Match` named another version. */
export type PreconditionReason = 'version_mismatch';

/** The `details.reason` values of 412 `bad_state` errors. */
export type BadStateReason =
  | 'invalid_status'
  | 'no_steps'
  | 'position_out_of_range'
  | 'step_limit_reached'
  | 'limit_reached';
