import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../src/webhooks/address-policy';
import { postWebhook } from '../../src/webhooks/post';

// The addresses a webhook never connects to (API.md, Webhooks), checked on the address DNS gave.
describe('isForbiddenAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, unspecified and mapped addresses, and allows public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });
});

describe('postWebhook', () => {
  it('refuses to connect when the name resolves to a forbidden address (checked after DNS), unless allowed', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests++;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://localhost:${(server.address() as AddressInfo).port}/hook`;
    try {
      const refused = await postWebhook(url, {}, '{}', { timeoutMs: 2_000, allowPrivate: false });
      expect(refused).toMatchObject({ statusCode: null, error: 'EFORBIDDEN' });
      expect(requests).toBe(0);
      const allowed = await postWebhook(url, {}, '{}', { timeoutMs: 2_000, allowPrivate: true });
      expect(allowed).toMatchObject({ statusCode: 204, error: null });
      expect(requests).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
