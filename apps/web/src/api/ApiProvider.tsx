import { createCampaignsClient } from '@campaigns/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { readApiProblem } from './problem';
import { TRPCProvider } from './trpc';

interface ApiProviderProps {
  /** Read on every request, so a new sign-in takes effect without rebuilding the client. */
  getToken: () => string | null;
  /** Called when the server refuses the token (expired, revoked or signed with another key). */
  onUnauthorized: () => void;
  children: ReactNode;
}

function createQueryClient(onUnauthorized: () => void): QueryClient {
  const onError = (error: unknown) => {
    if (readApiProblem(error).code === 'unauthorized') onUnauthorized();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Client errors (4xx) will not change on a retry; only network and server failures might.
        retry: (failureCount, error) => failureCount < 2 && readApiProblem(error).retryable,
      },
    },
  });
}

/**
 * TanStack Query and the typed tRPC client for one signed-in session. The app mounts a fresh provider per
 * token, so one brand's cached data can never show up for the next one to sign in.
 */
export function ApiProvider({ getToken, onUnauthorized, children }: ApiProviderProps) {
  const [queryClient] = useState(() => createQueryClient(onUnauthorized));
  // Same origin: in development Vite proxies /trpc to the API; in production the server serves this app.
  const [trpcClient] = useState(() =>
    createCampaignsClient({ url: window.location.origin, token: getToken }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
