import {
  API_ERROR_CODES,
  type ApiErrorCode,
  type ErrorBody,
  REQUEST_LIMITS,
  type ValidationIssue,
} from '@campaigns/contract';
import { DomainError, validationDetails } from '@campaigns/core';
import { isDatabaseUnavailable } from '@campaigns/db';
import { TRPCError } from '@trpc/server';
import { ERROR_CODES, FROM_TRPC_CODE, INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE } from './mapping';

/**
 * Every error body the service sends, on both surfaces, is built here from the one mapping table
 * (mapping.ts): domain and tRPC errors, Fastify's own (parser, size, media type, 404), the HTTP parser's
 * (`onClientError`) and the dev-token route. REST sends them as they are; tRPC's error formatter puts
 * `error` and `details` in `data`.
 */
export type ContractErrorBody = ErrorBody & { error: ApiErrorCode; details: Record<string, unknown> };

/** A body and the HTTP status its code maps to. */
export interface ErrorResponse {
  status: number;
  body: ContractErrorBody;
}

export const errorResponse = (
  code: ApiErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorResponse => ({ status: ERROR_CODES[code].status, body: { error: code, message, details } });

/** An internal error says nothing but that it happened, and which request to look for in the logs. */
export const internalErrorBody = (requestId: string | undefined): ContractErrorBody => ({
  error: 'internal',
  message: INTERNAL_MESSAGE,
  details: requestId === undefined ? {} : { request_id: requestId },
});

const CODE_BY_STATUS = new Map<number, ApiErrorCode>(
  API_ERROR_CODES.map((code) => [ERROR_CODES[code].status, code] as const),
);

/** The contract code for an HTTP status raised outside our procedures (Fastify parse errors and such). */
export const codeForStatus = (status: number): ApiErrorCode =>
  CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'validation_failed');

/** The longest part of a request's URL a 404 message echoes (a 16 KiB URL must not become the answer). */
const ECHOED_URL_MAX = 200;

/** 404 for a path that names no route. */
export const noRouteResponse = (method: string, url: string): ErrorResponse =>
  errorResponse(
    'not_found',
    `No route ${method} ${url.length > ECHOED_URL_MAX ? `${url.slice(0, ECHOED_URL_MAX)}…` : url}`,
  );

/** What a Fastify error looks like here (its parser, body limit, media type; our JSON refusals). */
export interface FrameworkError {
  statusCode?: number;
  code?: string;
  message: string;
}

const JSON_REFUSALS = new Set(['JSON_TOO_DEEP', 'JSON_FORBIDDEN_KEY']);
const MALFORMED_JSON = 'Malformed JSON body';
const JSON_MEDIA_TYPE = 'Request body must be application/json';

/**
 * An error Fastify raised before a handler ran, for REST: a 4xx keeps its status with the contract's
 * nearest code (a refused-but-well-formed JSON body says why); anything else is internal.
 */
export function frameworkErrorResponse(error: FrameworkError, requestId: string): ErrorResponse {
  const status = error.statusCode ?? 500;
  if (status >= 500) return { status: 500, body: internalErrorBody(requestId) };
  const code = codeForStatus(status);
  if (code === 'validation_failed') {
    const message =
      error.code !== undefined && JSON_REFUSALS.has(error.code) ? error.message : MALFORMED_JSON;
    return { status, body: { error: code, message, details: validationDetails([{ path: [], message }]) } };
  }
  const message =
    code === 'payload_too_large'
      ? 'Request body is too large'
      : code === 'unsupported_media_type'
        ? JSON_MEDIA_TYPE
        : error.message;
  return { status, body: { error: code, message, details: {} } };
}

/** The same error for tRPC: its code from the table, so the error formatter builds the body. */
export function frameworkTrpcError(error: FrameworkError): TRPCError {
  const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
  return new TRPCError({
    code: ERROR_CODES[codeForStatus(status)].trpc,
    message: status === 500 ? INTERNAL_MESSAGE : error.message,
  });
}

/**
 * Node's HTTP parser refused the request before there was one (`onClientError`): the status keeps its
 * HTTP meaning (431, 408, 400), the code is the contract's nearest.
 */
export function clientErrorResponse(parserCode: string | undefined): ErrorResponse & { reason: string } {
  if (parserCode === 'HPE_HEADER_OVERFLOW') {
    const { body } = errorResponse('payload_too_large', 'Request headers are too large');
    return { status: 431, reason: 'Request Header Fields Too Large', body };
  }
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const { body } = errorResponse('request_timeout', 'The request was not received in time');
    return { status: 408, reason: 'Request Timeout', body };
  }
  return { ...errorResponse('validation_failed', 'Malformed HTTP request'), reason: 'Bad Request' };
}

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
export function toErrorBody(error: TRPCError): ContractErrorBody {
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
      message: MALFORMED_JSON,
      details: validationDetails([{ path: [], message: 'Malformed JSON' }]),
    };
  }
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE') {
    return { error: code, message: JSON_MEDIA_TYPE, details: {} };
  }
  return { error: code, message: error.message, details: {} };
}
