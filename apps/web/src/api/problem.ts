import { isCampaignsClientError } from '@campaigns/client';
import { API_ERROR_CODES, type ApiErrorCode } from '@campaigns/contract';

/** A failed call reduced to what the UI needs: the contract's error code and details. */
export interface ApiProblem {
  /** The contract's `error` code, or `network` when no answer from the API came back at all. */
  code: ApiErrorCode | 'network';
  message: string;
  details: Readonly<Record<string, unknown>>;
  /** Worth retrying automatically: the server or the network failed, not the request. */
  retryable: boolean;
}

const isApiErrorCode = (value: string): value is ApiErrorCode =>
  (API_ERROR_CODES as readonly string[]).includes(value);

const RETRYABLE = new Set<ApiProblem['code']>(['network', 'internal', 'rate_limited']);

const problem = (
  code: ApiProblem['code'],
  message: string,
  details: Record<string, unknown> = {},
): ApiProblem => ({
  code,
  message,
  details,
  retryable: RETRYABLE.has(code),
});

/**
 * tRPC errors carry the contract's code in `data.error` and its details in `data.details`. An error without
 * `data` never reached our API (offline, proxy down, a non-JSON answer): that is a network problem.
 */
export function readApiProblem(error: unknown): ApiProblem {
  if (isCampaignsClientError(error) && error.data) {
    const code = isApiErrorCode(error.data.error) ? error.data.error : 'internal';
    return problem(code, error.message, error.data.details);
  }
  return problem('network', error instanceof Error ? error.message : 'Request failed');
}
