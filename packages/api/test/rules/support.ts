import { type Context, createCaller, createContextFactory } from '@campaigns/api';
import { SCOPES } from '@campaigns/contract';
import { type Clock, createHs256Verifier, signToken } from '@campaigns/core';
import { createPrismaClient, type PrismaClient } from '@campaigns/db';
import { createTestDatabase, type TestDatabase } from '@campaigns/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, expect } from 'vitest';

// The rules through the router itself (createCallerFactory), against a real database, without HTTP:
// what every surface gets. The HTTP suites (apps/server/test) keep the wire: statuses, headers, bodies.

const SECRET = 'rules-secret-0123456789-0123456789-0123';

export interface CallerOptions {
  brand?: string;
  scopes?: string[];
  /** Request headers the context reads (`idempotency-key`, `if-match`). */
  headers?: Record<string, string>;
}

export interface RulesWorld {
  readonly db: PrismaClient;
  /** A router caller for a token with these claims, and the context it runs with (response headers). */
  callerAs(options?: CallerOptions): Promise<{ api: ReturnType<typeof createCaller>; ctx: Context }>;
}

/** A fresh migrated database for the file, and callers on the router against it, at the clock's time. */
export function useRules(clock: Clock): RulesWorld {
  let database: TestDatabase | undefined;
  let db: PrismaClient | undefined;
  let contextFor: ReturnType<typeof createContextFactory> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient(database.url);
    contextFor = createContextFactory({ db, clock, tokens: createHs256Verifier(SECRET) });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRules: read it in a hook or test');
    return value;
  };
  return {
    get db() {
      return opened(db);
    },
    async callerAs({ brand = 'brand_rules', scopes = Object.values(SCOPES), headers = {} } = {}) {
      const token = await signToken(SECRET, { brandId: brand, sub: 'user_rules', scopes, expiresIn: '1h' });
      const ctx = await opened(contextFor)({
        req: { headers: { authorization: `Bearer ${token}`, ...headers } },
      });
      return { api: createCaller(ctx), ctx };
    },
  };
}

/** The contract code and details of a call that must fail. */
export async function failure(
  call: Promise<unknown>,
): Promise<{ code: string; details: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the call succeeded').toBeInstanceOf(TRPCError);
  const cause = (error as TRPCError).cause as
    | { code?: string; details?: Record<string, unknown> }
    | undefined;
  return { code: cause?.code ?? (error as TRPCError).code, details: cause?.details ?? {} };
}
