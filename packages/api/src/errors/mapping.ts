import { type ApiErrorCode, type ErrorBody, REQUEST_LIMITS, type ValidationIssue } from '@campaigns/contract';
import { DomainError, validationDetails } from '@campaigns/core';
import { isDatabaseUnavailable } from '@campaigns/db';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** Each contract error code's HTTP status and tRPC code: the one mapping table. */
export const ERROR_CODES: Record<ApiErrorCode, { status: number; trpc: TRPC_ERROR_CODE_KEY }> = {
  validation_failed: { status: 400, trpc: 'BAD_REQUEST' },
  unauthorized: { status: 401, trpc: 'UNAUTHORIZED' },
  forbidden: { status: 403, trpc: 'FORBIDDEN' },
  not_found: { status: 404, trpc: 'NOT_FOUND' },
  conflict: { status: 409, trpc: 'CONFLICT' },
  request_timeout: { status: 408, trpc: 'TIMEOUT' },
  bad_state: { status: 412, trpc: 'PRECONDITION_FAILED' },
  precondition_failed: { status: 412, trpc: 'PRECONDITION_FAILED' },
  payload_too_large: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  unsupported_media_type: { status: 415, trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  rate_limited: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  internal: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  unavailable: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
};

/** Seconds a caller is asked to wait (`Retry-After`) after `unavailable`: about one reconnect attempt. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
export const UNAVAILABLE_MESSAGE = 'The database is unavailable; retry shortly';

/** tRPC's own errors (raised before our code runs: parse errors, unknown procedures) as contract codes. */
const FROM_TRPC_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ApiErrorCode>> = {
  PARSE_ERROR: 'validation_failed',
  BAD_REQUEST: 'validation_failed',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  METHOD_NOT_SUPPORTED: 'not_found',
  CONFLICT: 'conflict',
  PRECONDITION_FAILED: 'bad_state',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  TOO_MANY_REQUESTS: 'rate_limited',
  TIMEOUT: 'request_timeout',
  SERVICE_UNAVAILABLE: 'unavailable',
};

export const INTERNAL_MESSAGE = 'Internal server error';

export const toTrpcError = (error: DomainError): TRPCError =>
  new TRPCError({ code: ERROR_CODES[error.code].trpc, message: error.message, cause: error });

interface ZodLikeIssue {
  code?: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

const isZodError = (cause: unknown): cause is Error & { issues: ZodLikeIssue[] } =>
  cause instanceof Error &&
  cause.name === 'ZodError' &&
  Array.isArray((cause as { issues?: unknown }).issues);

const toPath = (path: PropertyKey[]) => path.map((key) => (typeof key === 'number' ? key : String(key)));

/**
 * Zod issues as `{path, message}`, an unknown key at its own path (one issue per key), at most
 * REQUEST_LIMITS.maxValidationIssues of them: a body of 100,000 unknown keys must not become a 5 MB answer.
 */
function toIssues(issues: ZodLikeIssue[]): { issues: ValidationIssue[]; count: number } {
  const listed: ValidationIssue[] = [];
  let count = 0;
  for (const issue of issues) {
    const unknownKeys = issue.code === 'unrecognized_keys' && issue.keys ? issue.keys : undefined;
    count += unknownKeys ? unknownKeys.length : 1;
    for (
      let i = 0;
      listed.length < REQUEST_LIMITS.maxValidationIssues && i < (unknownKeys?.length ?? 1);
      i++
    ) {
      const key = unknownKeys?.[i];
      listed.push(
        key === undefined
          ? { path: toPath(issue.path), message: issue.message }
          : { path: [...toPath(issue.path), key], message: 'Unknown field' },
      );
    }
  }
  return { issues: listed, count };
}

/**
 * The contract's error body for any error that reached tRPC: domain errors keep their code and details,
 * input validation lists its issues, anything unexpected becomes `internal` with no detail at all.
 */
export function toErrorBody(error: TRPCError): ErrorBody & {
  error: ApiErrorCode;
  details: Record<string, unknown>;
} {
  const { cause } = error;
  if (cause instanceof DomainError)
    return { error: cause.code, message: cause.message, details: cause.details };
  if (isZodError(cause)) {
    const { issues, count } = toIssues(cause.issues);
    return {
      error: 'validation_failed',
      message: 'Input validation failed',
      details: validationDetails(issues, count),
    };
  }
  if (isDatabaseUnavailable(cause))
    return { error: 'unavailable', message: UNAVAILABLE_MESSAGE, details: {} };
  const code = FROM_TRPC_CODE[error.code];
  if (code === undefined) return { error: 'internal', message: INTERNAL_MESSAGE, details: {} };
  if (error.code === 'PARSE_ERROR') {
    return {
      error: code,
      message: 'Malformed JSON body',
      details: validationDetails([{ path: [], message: 'Malformed JSON' }]),
    };
  }
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE') {
    return { error: code, message: 'Request body must be application/json', details: {} };
  }
  return { error: code, message: error.message, details: {} };
}
