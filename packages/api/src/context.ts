import type { PrismaClient } from '@campaigns/db';
import type { Authentication, TokenVerifier } from './auth/tokens';
import type { Clock } from './domain/clock';

/** Long-lived collaborators, created once per process. */
export interface ApiDeps {
  db: PrismaClient;
  clock: Clock;
  tokens: TokenVerifier;
}

/** Per-request context: the dependencies plus who is calling. */
export interface Context extends ApiDeps {
  auth: Authentication;
}

/** The minimal request shape both the tRPC and the REST adapter hand over. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
}

export const createContextFactory =
  (deps: ApiDeps) =>
  async ({ req }: { req: RequestLike }): Promise<Context> => {
    const header = req.headers.authorization;
    return { ...deps, auth: await deps.tokens.verify(Array.isArray(header) ? header[0] : header) };
  };
