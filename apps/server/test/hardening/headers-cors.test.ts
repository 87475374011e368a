import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/harness';
import { useTestServer } from '../support/use-test-server';

// docs/hardening.md, Security headers and CORS: every response carries the security headers; only the
// configured origins get CORS headers, and their preflights for /v1 and /trpc succeed.

const CAMPAIGNS = '/v1/messaging/campaigns';
const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

const harness = useTestServer({
  http: { corsOrigins: [ALLOWED, 'http://localhost:5173'], hstsMaxAgeSeconds: 31_536_000 },
});

function expectSecurityHeaders(headers: Headers) {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  // helmet's other defaults
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(headers.get('origin-agent-cluster')).toBe('?1');
  expect(headers.get('x-dns-prefetch-control')).toBe('off');
  expect(headers.get('x-download-options')).toBe('noopen');
  expect(headers.get('x-permitted-cross-domain-policies')).toBe('none');
  expect(headers.get('x-xss-protection')).toBe('0');
}

describe('security headers', () => {
  it.each([
    ['REST success', 'GET', CAMPAIGNS, true],
    ['REST error', 'GET', `${CAMPAIGNS}/nope`, true],
    ['REST 401', 'GET', CAMPAIGNS, false],
    ['unknown route', 'GET', '/nowhere', false],
    ['health', 'GET', '/healthz', false],
    ['OpenAPI document', 'GET', '/openapi.json', false],
    ['tRPC', 'GET', `/trpc/campaigns.list?input=${encodeURIComponent('{"json":{}}')}`, true],
  ])('%s', async (_label, method, path, authenticated) => {
    const response = await harness.rest(method, path, authenticated ? { token: harness.token } : {});
    expectSecurityHeaders(response.headers);
    // API answers load nothing at all.
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('the REST event stream (a hijacked reply that writes its own head) has them too', async () => {
    const aborted = new AbortController();
    const response = await fetch(`${harness.server.url}/v1/messaging/events/stream`, {
      headers: { authorization: `Bearer ${harness.token}` },
      signal: aborted.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expectSecurityHeaders(response.headers);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    aborted.abort();
  });

  it('a 413 raised by Fastify before any route code has them too', async () => {
    const response = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw: 'x'.repeat(1_100_000),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expectSecurityHeaders(response.headers);
  });

  it('/docs renders: HTML with its script, framing forbidden but scripts not restricted', async () => {
    const response = await harness.rest('GET', '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectSecurityHeaders(response.headers);
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(response.text).toMatch(/<script/);
    // Its own script is served (same origin) and may run: no script-src restriction on the page.
    const src = /<script[^>]+src="([^"]+)"/.exec(response.text)?.[1];
    if (src?.startsWith('/')) expect((await fetch(`${harness.server.url}${src}`)).status).toBe(200);
  });

  it("a web-app page revalidated with 304 keeps the page's policy, not the API's (a blank page on reload)", async () => {
    const webRoot = await mkdtemp(path.join(tmpdir(), 'campaigns-csp-web-'));
    await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    const withApp = await startTestServer({ webRoot });
    try {
      // node:http, not fetch: fetch turns a conditional request into a `cache-control: no-cache` one.
      const get = (headers: Record<string, string>) =>
        new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
          (resolve, reject) => {
            request(`${withApp.url}/`, { headers }, (response) => {
              response.resume();
              response.on('end', () =>
                resolve({ status: response.statusCode ?? 0, headers: response.headers }),
              );
            })
              .on('error', reject)
              .end();
          },
        );
      const first = await get({});
      expect(typeof first.headers.etag).toBe('string');
      const again = await get({ 'if-none-match': String(first.headers.etag) });
      expect(again.status).toBe(304);
      expect(again.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    } finally {
      await withApp.close();
      await rm(webRoot, { recursive: true, force: true });
    }
  });

  it('no HSTS unless configured', async () => {
    const plain = await startTestServer();
    try {
      const response = await fetch(`${plain.url}/healthz`);
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expectSecurityHeaders(response.headers);
    } finally {
      await plain.close();
    }
  });
});

describe('CORS', () => {
  it('an allowed origin gets Access-Control-Allow-Origin on REST and tRPC answers', async () => {
    const response = await harness.rest('GET', CAMPAIGNS, {
      token: harness.token,
      headers: { origin: ALLOWED },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('vary')).toMatch(/Origin/i);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    // A browser app on another origin reads the version (ETag) and may send it back (If-Match).
    expect(response.headers.get('access-control-expose-headers')).toMatch(/\betag\b/);

    const trpc = await harness.rest(
      'GET',
      `/trpc/campaigns.list?input=${encodeURIComponent('{"json":{}}')}`,
      {
        token: harness.token,
        headers: { origin: 'http://localhost:5173' },
      },
    );
    expect(trpc.status).toBe(200);
    expect(trpc.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('another origin gets no CORS header at all', async () => {
    const response = await harness.rest('GET', CAMPAIGNS, {
      token: harness.token,
      headers: { origin: OTHER },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each([
    ['/v1', `${CAMPAIGNS}/cmp_x/steps`, 'POST'],
    ['/trpc', '/trpc/campaigns.create', 'POST'],
    ['/v1 PATCH', `${CAMPAIGNS}/cmp_x`, 'PATCH'],
  ])(
    'preflight for %s from an allowed origin: 204 with Authorization and Idempotency-Key',
    async (_l, path, method) => {
      const response = await fetch(`${harness.server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: ALLOWED,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-methods')).toContain(method);
      const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'idempotency-key',
          'if-match',
          'last-event-id',
        ]),
      );
      expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    },
  );

  it('preflight from another origin: no CORS headers (the browser refuses)', async () => {
    const response = await fetch(`${harness.server.url}${CAMPAIGNS}`, {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'POST' },
    });
    expect(response.status).not.toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('no origins configured (the default): no CORS headers for anyone', async () => {
    const plain = await startTestServer();
    try {
      const response = await fetch(`${plain.url}${CAMPAIGNS}`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const get = await fetch(`${plain.url}/healthz`, { headers: { origin: ALLOWED } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
