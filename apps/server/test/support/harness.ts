import { type Clock, createHs256Verifier, signToken, systemClock } from '@campaigns/api';
import { type CampaignsClient, createCampaignsClient } from '@campaigns/client';
import { SCOPES } from '@campaigns/contract';
import { createPrismaClient, migrationStatus, type PrismaClient } from '@campaigns/db';
import { createTestDatabase } from '@campaigns/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app';

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-0123456789';

export interface TokenOptions {
  brand?: string;
  sub?: string;
  scopes?: string[];
  expiresIn?: string | Date;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  app: FastifyInstance;
  db: PrismaClient;
  databaseUrl: string;
  token(options?: TokenOptions): Promise<string>;
  /** A real tRPC client over HTTP (no batching unless asked). */
  client(token: string, options?: { batch?: boolean }): CampaignsClient;
  close(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  /** Built web app to serve at `/`. */
  webRoot?: string;
}

/** The real server on an ephemeral loopback port, against a fresh migrated database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const db = createPrismaClient(database.url);
  const app = await buildApp({
    deps: { db, clock: options.clock ?? systemClock, tokens: createHs256Verifier(TEST_JWT_SECRET) },
    logger: false,
    publicUrl: 'http://127.0.0.1',
    isReady: async () => (await migrationStatus(database.url)).pending.length === 0,
    devTokens: { secret: TEST_JWT_SECRET },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    app,
    db,
    databaseUrl: database.url,
    token: (token = {}) =>
      signToken(TEST_JWT_SECRET, {
        brandId: token.brand ?? 'brand_test',
        sub: token.sub ?? 'user_test',
        scopes: token.scopes ?? [SCOPES.read, SCOPES.write],
        ...(token.expiresIn ? { expiresIn: token.expiresIn } : {}),
      }),
    client: (token, clientOptions = {}) => createCampaignsClient({ url, token, batch: clientOptions.batch ?? false }),
    close: async () => {
      await app.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
