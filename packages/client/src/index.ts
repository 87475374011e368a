import type { AppRouter as ServerRouter } from '@campaigns/api';
import { REQUEST_LIMITS, transformer } from '@campaigns/contract';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';

export interface CampaignsClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:3000 (the client appends /trpc). */
  url: string;
  /** A bearer token, or a function returning the current one (read on every request). */
  token: string | (() => string | null | undefined);
  /** Combine calls made in the same tick into one HTTP request (default true). */
  batch?: boolean;
  fetch?: typeof globalThis.fetch;
}

/**
 * Per-call options of a mutation that makes it safe to retry (docs/hardening.md, Idempotency):
 * `client.campaigns.create.mutate(input, withIdempotencyKey(key))`. The call is sent on its own (never
 * batched) with the `Idempotency-Key` header; a retry with the same key and input gets the first
 * answer back instead of doing the work again.
 */
export const withIdempotencyKey = (key: string) => ({ context: { idempotencyKey: key } });

/**
 * Per-call options of a change that must apply only to the version of the campaign the caller has
 * (API.md, Optimistic concurrency): `client.campaigns.update.mutate(input, withIfMatch(campaign))`. A
 * stale version is refused (`PRECONDITION_FAILED`, `details.reason: "version_mismatch"`) and nothing
 * changes. Sent on its own, with the `If-Match` header.
 */
export const withIfMatch = (campaign: { updated_at: string } | string) => ({
  context: { ifMatch: typeof campaign === 'string' ? campaign : versionOf(campaign) },
});

/** A campaign's version as the server's `ETag` and `If-Match` write it: `"<updated_at>"`. */
export const versionOf = (campaign: { updated_at: string }): string => `"${campaign.updated_at}"`;

/** Both per-call headers at once: `{ context: { idempotencyKey, ifMatch } }`. */
export const withCallHeaders = (headers: { idempotencyKey?: string; ifMatch?: string }) => ({
  context: { ...headers },
});

const stringIn = (context: Record<string, unknown>, key: 'idempotencyKey' | 'ifMatch'): string | undefined =>
  typeof context[key] === 'string' ? (context[key] as string) : undefined;

/** The per-call headers a call's context asks for; such a call is sent on its own. */
function callHeaders(context: Record<string, unknown>): Record<string, string> | undefined {
  const idempotencyKey = stringIn(context, 'idempotencyKey');
  const ifMatch = stringIn(context, 'ifMatch');
  if (idempotencyKey === undefined && ifMatch === undefined) return undefined;
  return {
    ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
    ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}),
  };
}

/** The typed tRPC client of the campaigns API. Only the router's type is imported, never its code. */
export function createCampaignsClient(options: CampaignsClientOptions) {
  const url = `${options.url.replace(/\/$/, '')}/trpc`;
  const authorization = (): Record<string, string> => {
    const token = typeof options.token === 'function' ? options.token() : options.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return createTRPCClient<ServerRouter>({
    links: [
      splitLink({
        // Live streams (campaigns.onEvent) over SSE, with the token in the Authorization header: the
        // eventsource package is a fetch-based EventSource that can send one (the browser's cannot),
        // so no token ever goes in a URL. It resumes with the last event id on a reconnect.
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          transformer,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetchImpl(input, { ...init, headers: { ...init.headers, ...authorization() } }),
          }),
        }),
        false: splitLink({
          // A key or a version belongs to one call: such calls go alone, with it as a header.
          condition: (op) => callHeaders(op.context) !== undefined,
          true: httpLink({
            url,
            transformer,
            ...fetchOption,
            headers: ({ op }) => ({ ...authorization(), ...callHeaders(op.context) }),
          }),
          // Batches stay within the server's limits (API.md, Limits): more calls go in several requests.
          false:
            options.batch === false
              ? httpLink({ url, transformer, ...fetchOption, headers: authorization })
              : httpBatchLink({
                  url,
                  transformer,
                  ...fetchOption,
                  headers: authorization,
                  maxItems: REQUEST_LIMITS.trpcMaxBatch,
                  maxURLLength: REQUEST_LIMITS.trpcMaxUrlLength,
                }),
        }),
      }),
    ],
  });
}

export type CampaignsClient = ReturnType<typeof createCampaignsClient>;

/**
 * The router's type as this client sees it: read off the client, so that the built declaration
 * (scripts/build.ts) spells it out in full instead of importing it from the server's package.
 */
export type AppRouter = CampaignsClient extends TRPCClient<infer Router> ? Router : never;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** A failed call's error, with the contract's `error` code and `details` typed from the server. */
export type CampaignsClientError = TRPCClientError<AppRouter>;

export const isCampaignsClientError = (error: unknown): error is CampaignsClientError =>
  error instanceof TRPCClientError;
