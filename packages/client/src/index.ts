import type { AppRouter } from '@campaigns/api';
import { transformer } from '@campaigns/contract';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export interface CampaignsClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:3000 (the client appends /trpc). */
  url: string;
  /** A bearer token, or a function returning the current one (read on every request). */
  token: string | (() => string | null | undefined);
  /** Combine calls made in the same tick into one HTTP request (default true). */
  batch?: boolean;
  fetch?: typeof globalThis.fetch;
}

/** The typed tRPC client of the campaigns API. Only the router's type is imported, never its code. */
export function createCampaignsClient(options: CampaignsClientOptions) {
  const link = options.batch === false ? httpLink : httpBatchLink;
  return createTRPCClient<AppRouter>({
    links: [
      link({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        transformer,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: () => {
          const token = typeof options.token === 'function' ? options.token() : options.token;
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}

export type CampaignsClient = ReturnType<typeof createCampaignsClient>;

/** A failed call's error, with the contract's `error` code and `details` typed from the server. */
export type CampaignsClientError = TRPCClientError<AppRouter>;

export const isCampaignsClientError = (error: unknown): error is CampaignsClientError =>
  error instanceof TRPCClientError;
