import type { ApiErrorCode } from '@campaigns/contract';
import type { DomainError } from '@campaigns/core';
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
export const FROM_TRPC_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ApiErrorCode>> = {
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
