/**
 * The API reference at /docs in a real browser (Debian's Chromium): it renders with no request leaving
 * the machine, bearer auth chosen, how to get a token explained, and none of Scalar's hosted products.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/harness';
import { hasChromium, launchBrowser } from './support/chromium';

describe.skipIf(!hasChromium)('/docs in Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  const profile = mkdtempSync(join(tmpdir(), 'campaigns-docs-chromium-'));

  beforeAll(async () => {
    server = await startTestServer();
    context = await launchBrowser(profile);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('loads with every request on this machine, bearer auth chosen, the token explained', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const elsewhere: string[] = [];
    const errors: string[] = [];
    // Every request the page makes; anything not to the server is refused and recorded.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === server.url || url.protocol === 'data:' || url.protocol === 'blob:')
        return route.continue();
      elsewhere.push(url.href);
      return route.abort();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server.url}/docs`);
    await page.getByText('Messaging campaigns API').first().waitFor({ timeout: 20_000 });
    await page.getByText('Schedule a campaign').first().waitFor();
    // How to get a token, from bearerAuth's description, and bearer auth selected rather than "none".
    await page.getByText('pnpm --silent run token', { exact: false }).first().waitFor();
    expect(await page.getByText('No authentication selected').count()).toBe(0);
    // Scalar's hosted products are hidden: no "Open API Client" / agent / MCP buttons.
    expect(await page.getByRole('button', { name: /Open API Client/i }).count()).toBe(0);
    expect(await page.getByText(/Ask AI|Agent Scalar|MCP/).count()).toBe(0);
    await page.screenshot({
      path: join(import.meta.dirname, '..', 'test-results', 'docs.png'),
      fullPage: false,
    });
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
