import { describe, expect, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// Development sign-in (src/http/dev-tokens.ts): the web app asks `GET /dev/sign-in` (200 on every
// server, so a browser never logs a failed request) and, when it is offered, `POST /dev/token` for a
// token. Without the development secret, /dev/token is a plain 404.

describe('with development sign-in on', () => {
  const harness = useTestServer();

  it('GET /dev/sign-in says it is offered', async () => {
    const response = await fetch(`${harness.server.url}/dev/sign-in`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ dev_sign_in: true });
  });

  it('POST /dev/token mints a token the API accepts for that brand and user', async () => {
    const response = await fetch(`${harness.server.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ brand_id: 'brand_dev', sub: 'dev_user' }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const created = await harness.server
      .client(token)
      .campaigns.create.mutate({ name: 'Dev', segment_id: 'seg' });
    expect(created).toMatchObject({ brand_id: 'brand_dev', created_by: 'dev_user' });
  });

  it('POST /dev/token without brand_id and sub is 400', async () => {
    const response = await fetch(`${harness.server.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
  });
});

describe('with development sign-in off (production)', () => {
  const harness = useTestServer({ devTokens: false });

  it('GET /dev/sign-in says it is not offered, with a 200', async () => {
    const response = await fetch(`${harness.server.url}/dev/sign-in`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ dev_sign_in: false });
  });

  it.each(['GET', 'POST'])('%s /dev/token is 404', async (method) => {
    const response = await fetch(`${harness.server.url}/dev/token`, {
      method,
      ...(method === 'POST'
        ? { headers: { 'content-type': 'application/json' }, body: '{"brand_id":"b","sub":"s"}' }
        : {}),
    });
    expect(response.status).toBe(404);
  });
});
