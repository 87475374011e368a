import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isCampaignsClientError } from '@campaigns/client';
import { SCOPES } from '@campaigns/contract';
import { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier } from '@campaigns/core';
import { createPrismaClient } from '@campaigns/db';
import { createTestDatabase } from '@campaigns/db/testing';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app';
import { createLogger } from '../../src/logger';
import { startTestServer, type TestServer } from '../support/harness';
import { type Rest, restClient } from '../support/rest';

// docs/hardening.md, Authentication: RS256/ES256 through a JWKS URL (a real JWKS server on loopback),
// key rotation, iss/aud, clock-skew tolerance, algorithm confusion; tokens never reach the logs.

const CAMPAIGNS = '/v1/messaging/campaigns';
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'campaigns-api';
const TOLERANCE = 30;
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** A JWKS endpoint on loopback whose key set the test changes; counts its fetches. */
class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  status = 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((_request, response) => {
      this.fetches += 1;
      response.writeHead(this.status, { 'content-type': 'application/json' });
      response.end(this.status === 200 ? JSON.stringify({ keys: this.keys }) : '{"error":"down"}');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub: 'user_jwks',
  brand_id: 'brand_jwks',
  scope: `${SCOPES.read} ${SCOPES.write}`,
  iss: ISSUER,
  aud: AUDIENCE,
  iat: nowSeconds(),
  exp: nowSeconds() + 600,
  ...overrides,
});

const signWith = (key: SigningKey, payload: JWTPayload = claims(), header: { kid?: string | null } = {}) =>
  new SignJWT(payload)
    .setProtectedHeader({
      alg: key.alg,
      typ: 'JWT',
      ...(header.kid === null ? {} : { kid: header.kid ?? key.kid }),
    })
    .sign(key.privateKey);

const signHs256 = (secret: string | Uint8Array, payload: JWTPayload = claims()) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

let jwks: JwksServer;
let server: TestServer;
let rest: Rest;
let rsa: SigningKey;
let ec: SigningKey;
let keySetErrors: unknown[];
/** The server's verifier delegates to this one, so that each test can configure its own. */
let current: TokenVerifier;

const verifier = (options: Partial<JwtVerifierOptions> = {}): TokenVerifier =>
  createJwtVerifier({
    jwksUrl: jwks.url,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: TOLERANCE,
    onKeySetError: (error) => keySetErrors.push(error),
    ...options,
  });

/** The status of a read over REST with this token (the campaigns list: no data needed). */
const restStatus = async (token: string) => (await rest('GET', CAMPAIGNS, { token })).status;

/** The tRPC outcome of the same read: 'ok' or the error code. */
async function trpcOutcome(token: string): Promise<string> {
  try {
    await server.client(token).campaigns.list.query({});
    return 'ok';
  } catch (error) {
    if (isCampaignsClientError(error)) return error.data?.code ?? 'no code';
    throw error;
  }
}

beforeAll(async () => {
  jwks = new JwksServer();
  await jwks.start();
  [rsa, ec] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256')]);
  server = await startTestServer({ tokens: { verify: (header) => current.verify(header) } });
  rest = restClient(server.url);
});
afterAll(async () => {
  await server?.close();
  await jwks?.stop();
});
beforeEach(() => {
  jwks.keys = [rsa.publicJwk, ec.publicJwk];
  jwks.status = 200;
  jwks.fetches = 0;
  keySetErrors = [];
  current = verifier();
});

describe('RS256 and ES256 through JWT_JWKS_URL', () => {
  it('accepts RS256 and ES256 tokens signed with published keys, over REST and tRPC', async () => {
    for (const key of [rsa, ec]) {
      const token = await signWith(key);
      expect(await restStatus(token)).toBe(200);
      expect(await trpcOutcome(token)).toBe('ok');
    }
    // The key set was fetched once and then served from the cache.
    expect(jwks.fetches).toBe(1);
  });

  it('the caller is the token’s sub and brand: a created campaign carries them', async () => {
    const token = await signWith(ec);
    const created = await rest<{ created_by: string; brand_id: string }>('POST', CAMPAIGNS, {
      token,
      body: { name: 'From an ES256 token', segment_id: 'seg_1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created_by: 'user_jwks', brand_id: 'brand_jwks' });
  });

  it('accepts a token without kid when exactly one published key fits its algorithm', async () => {
    expect(await restStatus(await signWith(ec, claims(), { kid: null }))).toBe(200);
  });

  it('refuses a token signed with an unpublished key, whether it claims a published kid or an unknown one', async () => {
    const stranger = await signingKey('rsa-1', 'RS256');
    const response = await rest('GET', CAMPAIGNS, { token: await signWith(stranger) });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'unauthorized', message: 'Invalid bearer token', details: {} });
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await trpcOutcome(await signWith(stranger))).toBe('UNAUTHORIZED');
    const unknownKid = await signingKey('rsa-unknown', 'RS256');
    expect(await restStatus(await signWith(unknownKid))).toBe(401);
  });

  it('refuses a token whose kid names a key of another type (ES256 token, RSA kid)', async () => {
    expect(await restStatus(await signWith(ec, claims(), { kid: rsa.kid }))).toBe(401);
  });

  it('refuses a token whose payload was swapped after signing', async () => {
    const [head, , signature] = (await signWith(rsa)).split('.');
    const forged = `${head}.${base64url(claims({ brand_id: 'brand_other' }))}.${signature}`;
    expect(await restStatus(forged)).toBe(401);
  });

  it('a JWKS endpoint that fails: 401 (never 500), and the failure is reported for the logs', async () => {
    jwks.status = 503;
    const response = await rest('GET', CAMPAIGNS, { token: await signWith(rsa) });
    expect(response.status).toBe(401);
    expect(keySetErrors.length).toBeGreaterThan(0);
    // Once it is back, tokens are accepted again.
    jwks.status = 200;
    current = verifier();
    expect(await restStatus(await signWith(rsa))).toBe(200);
  });
});

describe('key rotation', () => {
  it('a new key with a new kid is accepted once published (jose refetches on an unknown kid)', async () => {
    current = verifier({ jwksCooldownMs: 100 });
    expect(await restStatus(await signWith(rsa))).toBe(200);
    expect(jwks.fetches).toBe(1);

    const next = await signingKey('rsa-2', 'RS256');
    const nextToken = await signWith(next);
    // Not yet published: refused.
    await sleep(150);
    expect(await restStatus(nextToken)).toBe(401);
    expect(jwks.fetches).toBe(2);

    jwks.keys = [rsa.publicJwk, ec.publicJwk, next.publicJwk];
    await sleep(150);
    expect(await restStatus(nextToken)).toBe(200);
    expect(jwks.fetches).toBe(3);
    // The old key still works while it is published.
    expect(await restStatus(await signWith(rsa))).toBe(200);
  });

  it('unknown kids cannot make the server hammer the JWKS: at most one refetch per cooldown', async () => {
    current = verifier({ jwksCooldownMs: 60_000 });
    expect(await restStatus(await signWith(rsa))).toBe(200);
    for (let i = 0; i < 5; i += 1) {
      const made = await signingKey(`made-up-${i}`, 'RS256');
      expect(await restStatus(await signWith(made))).toBe(401);
    }
    expect(jwks.fetches).toBe(1);
  });

  it('a removed key is refused once the cached key set is older than the cache max age', async () => {
    // Everything slow (key generation, signing) first: the cache window below is timed.
    const next = await signingKey('rsa-2', 'RS256');
    const [oldToken, nextToken] = await Promise.all([signWith(rsa), signWith(next)]);
    current = verifier({ jwksCacheMaxAgeMs: 1_500, jwksCooldownMs: 100 });
    expect(await restStatus(oldToken)).toBe(200);

    jwks.keys = [next.publicJwk, ec.publicJwk];
    // Still in the cached key set: the documented window between removal and refusal.
    expect(await restStatus(oldToken)).toBe(200);
    await sleep(1_600);
    expect(await restStatus(oldToken)).toBe(401);
    expect(await restStatus(nextToken)).toBe(200);
  });
});

describe('iss and aud', () => {
  it.each([
    ['another issuer', { iss: 'https://evil.test/' }],
    ['no issuer', { iss: undefined }],
    ['another audience', { aud: 'other-api' }],
    ['no audience', { aud: undefined }],
  ])('refuses a token with %s (401 on both surfaces)', async (_name, overrides) => {
    const token = await signWith(rsa, claims(overrides));
    expect(await restStatus(token)).toBe(401);
    expect(await trpcOutcome(token)).toBe('UNAUTHORIZED');
  });

  it('accepts an audience list that contains ours', async () => {
    expect(await restStatus(await signWith(rsa, claims({ aud: ['other-api', AUDIENCE] })))).toBe(200);
  });

  it('without JWT_ISSUER/JWT_AUDIENCE configured, iss and aud are not checked', async () => {
    current = createJwtVerifier({ jwksUrl: jwks.url });
    expect(await restStatus(await signWith(rsa, claims({ iss: 'https://anyone.test/', aud: 'x' })))).toBe(
      200,
    );
  });
});

describe('clock skew tolerance', () => {
  it('accepts a token that expired within the tolerance, refuses one beyond it (as expired)', async () => {
    expect(await restStatus(await signWith(rsa, claims({ exp: nowSeconds() - 10 })))).toBe(200);
    const expired = await rest<{ message: string }>('GET', CAMPAIGNS, {
      token: await signWith(rsa, claims({ exp: nowSeconds() - TOLERANCE - 30 })),
    });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe('Bearer token has expired');
  });

  it('accepts a token not valid before a few seconds from now, refuses one beyond the tolerance', async () => {
    expect(await restStatus(await signWith(rsa, claims({ nbf: nowSeconds() + 10 })))).toBe(200);
    expect(await restStatus(await signWith(rsa, claims({ nbf: nowSeconds() + TOLERANCE + 30 })))).toBe(401);
  });

  it('a tolerance of 0 refuses a token expired a few seconds ago', async () => {
    current = verifier({ clockToleranceSeconds: 0 });
    expect(await restStatus(await signWith(rsa, claims({ exp: nowSeconds() - 5 })))).toBe(401);
  });

  it('exp stays required', async () => {
    expect(await restStatus(await signWith(rsa, claims({ exp: undefined })))).toBe(401);
  });
});

describe('algorithms', () => {
  it('refuses alg:none, also with a kid of a published key', async () => {
    for (const header of [{ alg: 'none' }, { alg: 'none', kid: rsa.kid }]) {
      expect(await restStatus(`${base64url(header)}.${base64url(claims())}.`)).toBe(401);
    }
  });

  it('JWKS only: HS256 is refused, whatever the secret (also the published public key, the classic confusion)', async () => {
    expect(await restStatus(await signHs256('some-secret-0123456789-0123456789-0123456789'))).toBe(401);
    expect(await restStatus(await signHs256(rsa.publicPem))).toBe(401);
    expect(await restStatus(await signHs256(JSON.stringify(rsa.publicJwk)))).toBe(401);
  });

  it('refuses RS512/PS256/ES384 tokens even from keys the JWKS could hold', async () => {
    for (const alg of ['RS512', 'PS256', 'ES384'] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      jwks.keys = [...jwks.keys, { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg }];
      const token = await new SignJWT(claims()).setProtectedHeader({ alg, kid: `k-${alg}` }).sign(privateKey);
      expect(await restStatus(token)).toBe(401);
    }
  });

  it('HS256 with JWT_SECRET next to a JWKS: both kinds accepted, each only with its own key', async () => {
    const secret = 'explicit-secret-0123456789-0123456789-0123456789';
    current = verifier({ hs256Secret: secret });
    expect(await restStatus(await signHs256(secret))).toBe(200);
    expect(await restStatus(await signWith(rsa))).toBe(200);
    expect(await restStatus(await signHs256(rsa.publicPem))).toBe(401);
    // An RS256 header over an HMAC signature made with the secret is not an RS256 signature.
    const hs = await signHs256(secret);
    const [, payload, signature] = hs.split('.');
    expect(await restStatus(`${base64url({ alg: 'RS256', kid: rsa.kid })}.${payload}.${signature}`)).toBe(
      401,
    );
  });

  it('refuses to be built with neither a secret nor a JWKS URL', () => {
    expect(() => createJwtVerifier({})).toThrow(/secret, a JWKS URL, or both/);
  });
});

describe('tokens never reach the logs', () => {
  it('at trace level, accepted and refused tokens and JWKS failures log no token', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('trace', destination);
    const database = await createTestDatabase();
    const db = createPrismaClient(database.url);
    const app = await buildApp({
      deps: { db, clock: { now: () => new Date() }, tokens: { verify: (header) => current.verify(header) } },
      logger,
      publicUrl: 'http://127.0.0.1',
      isReady: async () => true,
    });
    try {
      const tokens = [
        await signWith(rsa),
        await signWith(ec, claims({ exp: nowSeconds() - 3600 })),
        await signWith(await signingKey('rsa-x', 'RS256')),
      ];
      for (const token of tokens) {
        for (const url of [CAMPAIGNS, '/trpc/campaigns.list?input=%7B%7D', `${CAMPAIGNS}/nope/schedule`]) {
          await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
        }
      }
      jwks.status = 500;
      current = verifier();
      await app.inject({ method: 'GET', url: CAMPAIGNS, headers: { authorization: `Bearer ${tokens[0]}` } });
      // The redaction itself, for code that does log headers.
      logger.info({ req: { headers: { authorization: `Bearer ${tokens[0]}` } } }, 'headers');
      logger.flush();

      const output = lines.join('');
      expect(output).toContain('"url":"/v1/messaging/campaigns"');
      expect(output).toContain('[redacted]');
      for (const token of tokens) {
        for (const part of token.split('.')) expect(output).not.toContain(part);
      }
    } finally {
      await app.close();
      await db.$disconnect();
      await database.drop();
    }
  });
});
