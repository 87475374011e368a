import { buildOpenApiDocument } from '@campaigns/api';
import { type CampaignsClient, createCampaignsClient } from '@campaigns/client';
import { SCOPES } from '@campaigns/contract';
import { type Clock, createHs256Verifier, signToken, systemClock, type TokenVerifier } from '@campaigns/core';
import { createPrismaClient, migrationStatus, type PrismaClient } from '@campaigns/db';
import { createTestDatabase } from '@campaigns/db/testing';
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../src/http/app';
import { type OpenApiDocument, watchResponses } from './openapi-responses';

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
  /** The bearer-token verifier; default HS256 with TEST_JWT_SECRET (which `token()` signs with). */
  tokens?: TokenVerifier;
  /** Built web app to serve at `/`. */
  webRoot?: string;
  /**
   * Every `/v1` response is checked against the OpenAPI document (the server's own unless one is
   * given), and `close()` throws listing those that break it. Default on; turn it off only for tests
   * that deliberately make the server misbehave.
   */
  validateResponses?: boolean | { document: OpenApiDocument };
  /** Limits, rate limit, CORS and header settings (docs/hardening.md); default the app's own. */
  http?: Pick<
    AppOptions,
    | 'bodyLimitBytes'
    | 'maxHeaderSizeBytes'
    | 'rateLimitPerMinute'
    | 'corsOrigins'
    | 'hstsMaxAgeSeconds'
    | 'idempotencyPurgeIntervalMs'
  >;
  /** A pino logger to see what the server logs; default none. */
  logger?: AppOptions['logger'];
  /** WEBHOOK_ALLOW_PRIVATE_URLS; default true (receivers on loopback). */
  allowPrivateWebhookUrls?: boolean;
  /** Development sign-in (`/dev/token`) with TEST_JWT_SECRET; default on, as in development. */
  devTokens?: boolean;
}

let serverDocument: OpenApiDocument | undefined;
function documentOf(option: TestServerOptions['validateResponses']): OpenApiDocument {
  if (typeof option === 'object') return option.document;
  serverDocument ??= buildOpenApiDocument({ baseUrl: 'http://127.0.0.1' });
  return serverDocument;
}

/** The real server on an ephemeral loopback port, against a fresh migrated database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const db = createPrismaClient(database.url);
  const app = await buildApp({
    deps: {
      db,
      clock: options.clock ?? systemClock,
      tokens: options.tokens ?? createHs256Verifier(TEST_JWT_SECRET),
      // Test receivers listen on loopback.
      webhookPolicy: { allowPrivateUrls: options.allowPrivateWebhookUrls ?? true },
    },
    logger: options.logger ?? false,
    publicUrl: 'http://127.0.0.1',
    ...options.http,
    isReady: async () => (await migrationStatus(database.url)).pending.length === 0,
    ...(options.devTokens === false ? {} : { devTokens: { secret: TEST_JWT_SECRET } }),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
  });
  const responses =
    options.validateResponses === false
      ? undefined
      : watchResponses(app, documentOf(options.validateResponses));
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
        scopes: token.scopes ?? Object.values(SCOPES),
        ...(token.expiresIn ? { expiresIn: token.expiresIn } : {}),
      }),
    client: (token, clientOptions = {}) =>
      createCampaignsClient({ url, token, batch: clientOptions.batch ?? false }),
    close: async () => {
      await app.close();
      await db.$disconnect();
      await database.drop();
      responses?.assertConforming();
    },
  };
}
