import { ERROR_CODES, INTERNAL_MESSAGE } from '@campaigns/api';
import { API_ERROR_CODES, type ApiErrorCode, type ErrorBody } from '@campaigns/contract';

export type RestErrorBody = ErrorBody & { details: Record<string, unknown> };

const CODE_BY_STATUS = new Map<number, ApiErrorCode>(
  API_ERROR_CODES.map((code) => [ERROR_CODES[code].status, code] as const),
);

/** The contract code for an HTTP status raised outside our procedures (Fastify parse errors and such). */
export const codeForStatus = (status: number): ApiErrorCode =>
  CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'validation_failed');

/**
 * An internal error says nothing but that it happened, and which request to look for in the logs.
 */
export const internalErrorBody = (requestId: string): RestErrorBody => ({
  error: 'internal',
  message: INTERNAL_MESSAGE,
  details: { request_id: requestId },
});

/** The longest part of a request's URL a 404 message echoes (a 16 KiB URL must not become the answer). */
const ECHOED_URL_MAX = 200;

export const noRouteMessage = (method: string, url: string): string =>
  `No route ${method} ${url.length > ECHOED_URL_MAX ? `${url.slice(0, ECHOED_URL_MAX)}…` : url}`;
