import { readFileSync } from 'node:fs';
import { COMMITTED_OPENAPI_BASE_URL } from '@campaigns/api';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// A running server serves the committed document (openapi/openapi.json), with its own public URL as
// the server: callers and SDK generators see one and the same API description.

const COMMITTED = new URL('../../../openapi/openapi.json', import.meta.url);

const harness = useTestServer();

describe('/openapi.json', () => {
  it('is the committed document, byte for byte once pretty-printed, but for its server URL', async () => {
    const response = await fetch(`${harness.server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const served = (await response.json()) as { servers?: unknown };
    const committedText = readFileSync(COMMITTED, 'utf8');
    const committed = JSON.parse(committedText) as { servers?: unknown };

    expect(committed.servers).toEqual([{ url: COMMITTED_OPENAPI_BASE_URL, 'x-internal': false }]);
    expect(served.servers).toEqual([{ url: 'http://127.0.0.1', 'x-internal': false }]); // the test server's publicUrl
    // Replacing the value keeps the key where it was, so key order is compared too.
    const servedAsCommitted = { ...served, servers: committed.servers };
    expect(`${JSON.stringify(servedAsCommitted, null, 2)}\n`).toBe(committedText);
  });
});
