/**
 * The web app end to end, in a real browser (Debian's Chromium through playwright-core) against the real
 * server and a fresh database: the built app is served by the server itself, as `pnpm start` does.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/harness';
import { startReceiver, WebhookWorker } from '../../server/test/support/webhooks';
import { hasChromium, launchBrowser } from './support/chromium';

const run = promisify(execFile);
const WEB_ROOT = resolve(import.meta.dirname, '..');
const SCREENSHOTS = join(WEB_ROOT, 'test-results');
const BRAND = 'brand_e2e';
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Every console error and uncaught page error of any tab, asserted empty at the end. */
const consoleErrors: string[] = [];

/**
 * Chromium logs every 4xx it receives. The API's refusals of what this suite deliberately asks for (a
 * forged token, a past send time, a stale version) are answers the app shows next to the action; only
 * those, on `/trpc`, are not errors here. Anything else, e.g. a probe that 404s, fails the suite.
 */
const isShownRefusal = (text: string, url: string): boolean =>
  /^Failed to load resource: the server responded with a status of (400|401|412) /.test(text) &&
  url !== '' &&
  new URL(url).pathname.startsWith('/trpc/');

let server: TestServer;
let webRoot: string;
let context: BrowserContext;
let page: Page;
const scratch: string[] = [];

const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};

const screenshot = (name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** Waits for the page to catch up (queries, re-renders) longer than expect.poll's default second. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

/** The screen's heading; every screen focuses its h1 when it opens. */
const heading = () => page.getByRole('heading', { level: 1 });

/**
 * axe-core's WCAG checks on the screen as it is, at a desktop and a phone width: zero violations. Also
 * that the tab's title names the screen.
 */
async function expectAccessible(screen: string, tab: Page = page): Promise<void> {
  const size = tab.viewportSize() ?? { width: 1280, height: 900 };
  const title = await tab.getByRole('heading', { level: 1 }).first().textContent();
  expect(await tab.title(), screen).toBe(`${title?.trim()} · Messaging campaigns`);
  if (!(await tab.evaluate(() => 'axe' in window))) await tab.addScriptTag({ path: AXE_SOURCE });
  for (const width of [1280, 390]) {
    await tab.setViewportSize({ width, height: 900 });
    const violations = await tab.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } }).axe;
      const results = await axe.run(document);
      return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    expect(violations, `${screen} at ${width} px`).toEqual([]);
  }
  await tab.setViewportSize(size);
}
interface AxeResults {
  violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
}

/**
 * `vite build`, as `pnpm --filter @campaigns/web build` runs it, in a child process: in this one Vitest has
 * set NODE_ENV=test, which would give a development JSX transform against production React.
 */
async function buildWebApp(): Promise<string> {
  const outDir = tempDir('campaigns-web-');
  await run(
    join(WEB_ROOT, 'node_modules/.bin/vite'),
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: WEB_ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  return outDir;
}

async function openBrowser(): Promise<void> {
  context = await launchBrowser(tempDir('campaigns-chromium-'), {
    // A fixed zone, so the picker's offset and the times on screen are known.
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
    viewport: { width: 1280, height: 900 },
  });
  const watch = (tab: Page) => {
    tab.on('console', (message) => {
      if (message.type() !== 'error' || isShownRefusal(message.text(), message.location().url)) return;
      consoleErrors.push(`${tab.url()}: ${message.text()} (${message.location().url})`);
    });
    tab.on('pageerror', (error) => consoleErrors.push(`${tab.url()}: ${error.message}`));
  };
  context.on('page', watch);
  page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  // Fail a step well before the test's own timeout, with Playwright's message saying what it waited for.
  page.setDefaultTimeout(10_000);
}

describe.skipIf(!hasChromium)('web app in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    webRoot = await buildWebApp();
    server = await startTestServer({ webRoot });
    const home = await fetch(server.url);
    if (!home.headers.get('content-type')?.startsWith('text/html')) {
      throw new Error(
        'The test server does not serve the web app at / (startTestServer webRoot is not wired)',
      );
    }
    await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a pasted token the server does not accept', async () => {
    // The sign-in screen asks whether development sign-in is offered: a GET answered 204, so the
    // browser logs no failed request for it.
    const probes: string[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/dev/')) {
        probes.push(
          `${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`,
        );
      }
    });
    await page.goto(server.url);
    await poll(() => heading().textContent()).toBe('Sign in to Messaging campaigns');
    await page.getByLabel('Brand ID').waitFor();
    expect(probes).toEqual(['GET /dev/sign-in 200']);
    await expectAccessible('sign-in');
    page.removeAllListeners('response');
    const tokenField = page.getByRole('textbox', { name: 'Access token' });
    const signIn = page.getByRole('button', { name: 'Sign in' }).last();

    await tokenField.fill('not a token');
    await signIn.click();
    await poll(() => page.locator('#sign-in-token-error').textContent()).toBe(
      'This does not look like an access token. Paste the whole token.',
    );

    // Well-formed and unexpired, but not signed with the server's key: the API answers 401.
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    await tokenField.fill(`${part({ alg: 'HS256' })}.${part({ sub: 'x', brand_id: BRAND, exp })}.forged`);
    await signIn.click();
    await page.getByText('Your sign-in has expired. Please sign in again.').waitFor();
    await poll(() => heading().textContent()).toBe('Sign in to Messaging campaigns');
  });

  it('signs in with the development sign-in', async () => {
    await page.getByLabel('Brand ID').fill(BRAND);
    await page.getByLabel('User ID').fill('ada');
    await screenshot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await poll(() => heading().textContent()).toBe('Campaigns');
    await page.getByText('No campaigns yet.').waitFor();
    await expectAccessible('empty list');
  });

  let campaignUrl = '';

  it('shows validation errors next to the field, then creates a campaign', async () => {
    await page.getByRole('link', { name: 'New campaign' }).click();
    await poll(() => heading().textContent()).toBe('New campaign');
    await page.getByRole('button', { name: 'Create campaign' }).click();

    // The contract's schema, checked in the browser: the message sits at the field, which gets focus.
    const name = page.getByLabel('Name');
    await poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#create-name-error').textContent()).toBe('Required.');
    expect(await name.evaluate((element) => element === document.activeElement)).toBe(true);
    await screenshot('02-create-validation');
    await expectAccessible('create, with errors');

    // Spaces only is blank (names are trimmed); over the limit is refused with a message, never cut.
    await name.fill('   ');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await poll(() => page.locator('#create-name-error').textContent()).toBe('Required.');
    await name.fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await poll(() => page.locator('#create-name-error').textContent()).toBe('Use at most 200 characters.');
    expect(await name.inputValue()).toHaveLength(201);

    await name.fill('Spring sale');
    await page.getByLabel('Description (optional)').fill('Three reminders for the spring sale');
    await page.getByLabel('Audience segment ID').fill('seg_vip');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await poll(() => heading().textContent()).toBe('Spring sale');
    expect(page.url()).toMatch(/\/campaigns\/cmp_[0-9a-f]{32}$/);
    campaignUrl = page.url();
  });

  it('adds two steps and moves one', async () => {
    const addStep = async (templateId: string, delay: string) => {
      await page.locator('#add-step-template_id').fill(templateId);
      await page.locator('#add-step-template_version_id').fill(`${templateId}_v1`);
      await page.locator('#add-step-delay_minutes').fill(delay);
      await page.getByRole('button', { name: 'Add step' }).click();
    };
    const steps = page.locator('.step-list > li');

    await addStep('tpl_welcome', '0');
    await poll(() => steps.count()).toBe(1);
    await page.locator('#add-step-variables').fill('{"first_name": "Ada"}');
    await addStep('tpl_reminder', '90');
    await poll(() => steps.count()).toBe(2);
    expect(await steps.nth(1).textContent()).toContain('1 hour 30 minutes after the previous step');

    await page.getByRole('button', { name: 'Move step 2 up' }).click();
    await poll(() => steps.nth(0).textContent()).toContain('tpl_reminder');
    expect(await steps.nth(1).textContent()).toContain('tpl_welcome');
    // Focus follows the moved step to its new place.
    expect(await steps.nth(0).evaluate((item) => item.contains(document.activeElement))).toBe(true);

    // A position past the end is the server's 412 rule, shown at the position field.
    await page.locator('#add-step-position').fill('9');
    await addStep('tpl_late', '0');
    await poll(() => page.locator('#add-step-position-error').textContent()).toBe(
      'Choose a position from 1 to 3.',
    );
    await page.locator('#add-step-position').fill('3');
    await page.locator('#add-step-variables').fill('');
    await screenshot('03-detail-steps');
    await expectAccessible('draft detail');
  });

  it('removes a step after confirmation', async () => {
    const steps = page.locator('.step-list > li');
    await page.locator('#add-step-template_id').fill('tpl_extra');
    await page.locator('#add-step-template_version_id').fill('tpl_extra_v1');
    await page.getByRole('button', { name: 'Add step' }).click();
    await poll(() => steps.count()).toBe(3);
    await page.getByRole('button', { name: 'Remove step 3' }).click();
    await page.getByRole('button', { name: 'Yes, remove step 3' }).click();
    await poll(() => steps.count()).toBe(2);
  });

  it('shows the server’s validation error at the picker, then schedules the campaign', async () => {
    const picker = page.getByLabel('Send time');
    expect(await page.locator('#schedule-scheduled_at-hint').textContent()).toContain('Europe/Berlin');

    await picker.fill('2020-01-01T10:00');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await poll(() => page.locator('#schedule-scheduled_at-error').textContent()).toBe(
      'Choose a date and time in the future.',
    );
    await screenshot('04-schedule-validation');

    await picker.fill('2030-06-15T10:00');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await poll(() => page.locator('.page-header .badge').textContent()).toBe('Scheduled');
    expect(await page.locator('#sending-status').textContent()).toContain('15 Jun 2030, 10:00');
    // Steps are locked once scheduled.
    expect(await page.getByRole('button', { name: 'Move step 1 down' }).count()).toBe(0);
    // Progress, with the next step's planned time.
    await poll(() => page.locator('#delivery-progress').textContent()).toContain(
      // Step 1 (tpl_reminder, moved up) waits 90 minutes after the send time.
      '0 of 2 steps sent · next at 15 Jun 2030, 11:30 (Europe/Berlin)',
    );
    await screenshot('05-detail-scheduled');
    await expectAccessible('scheduled detail');

    // What the server stored is the instant picked in Berlin (UTC+2 in June).
    const token = await server.token({ brand: BRAND });
    const [campaign] = (await server.client(token).campaigns.list.query({})).items;
    expect(campaign?.scheduled_at).toBe('2030-06-15T08:00:00.000Z');
  });

  it('opens a campaign from its URL (the server falls back to the app)', async () => {
    await page.goto(campaignUrl);
    await poll(() => heading().textContent()).toBe('Spring sale');
    await page.setViewportSize({ width: 375, height: 800 });
    await screenshot('06-detail-narrow');
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('lists campaigns with a status filter and pages through them', async () => {
    const token = await server.token({ brand: BRAND });
    const client = server.client(token);
    for (let index = 1; index <= 21; index += 1) {
      await client.campaigns.create.mutate({ name: `Newsletter ${index}`, segment_id: 'seg_all' });
    }

    await page.getByRole('link', { name: 'All campaigns' }).click();
    await poll(() => heading().textContent()).toBe('Campaigns');
    const items = page.locator('.campaign-list > li');
    await poll(() => items.count()).toBe(20);
    await page.getByRole('button', { name: 'Show more campaigns' }).click();
    await poll(() => items.count()).toBe(22);
    expect(await page.getByRole('button', { name: 'Show more campaigns' }).count()).toBe(0);
    await screenshot('07-list');

    await page.getByLabel('Status').selectOption('scheduled');
    await poll(() => items.count()).toBe(1);
    expect(page.url()).toMatch(/\?status=scheduled$/);
    expect(await items.first().textContent()).toContain('Spring sale');
    await screenshot('08-list-filtered');
    await expectAccessible('filtered list');
  });

  it('edits a send window, shows the planned times it gives, duplicates, and finds campaigns by name', async () => {
    await page.goto(`${server.url}/campaigns/new`);
    await poll(() => heading().textContent()).toBe('New campaign');
    await page.getByLabel('Name').fill('Weekend promo');
    await page.getByLabel('Audience segment ID').fill('seg_weekend');
    await page.getByLabel('Send only during set hours').check();
    // The zone picker starts at the browser's own zone.
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await page.getByLabel(day, { exact: true }).uncheck();
    }
    await page.getByLabel('Saturday', { exact: true }).check();
    await expectAccessible('create, with a send window');
    await page.getByLabel('From').fill('12:00');
    await page.getByLabel('Until').fill('10:00');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    // The contract's rule, checked in the browser, shown at the window.
    await poll(() => page.locator('#create-send_window-error').textContent()).toBe(
      'Must be later than start (a window does not cross midnight).',
    );
    await page.getByLabel('From').fill('10:00');
    await page.getByLabel('Until').fill('12:00');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await poll(() => heading().textContent()).toBe('Weekend promo');
    expect(await page.locator('.summary').textContent()).toContain('Sat, 10:00–12:00 (Europe/Berlin)');

    for (const [templateId, delay] of [
      ['tpl_promo', '0'],
      ['tpl_promo_reminder', '180'],
    ] as const) {
      await page.locator('#add-step-template_id').fill(templateId);
      await page.locator('#add-step-template_version_id').fill('v1');
      await page.locator('#add-step-delay_minutes').fill(delay);
      await page.getByRole('button', { name: 'Add step' }).click();
      await poll(() => page.locator('.step-list').textContent()).toContain(templateId);
    }
    // Friday 14 June 2030, 09:00 in Berlin: step 1 waits for Saturday's opening; step 2, due 13:00, for
    // the next Saturday.
    await page.getByLabel('Send time').fill('2030-06-14T09:00');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await poll(() => page.locator('.page-header .badge').textContent()).toBe('Scheduled');
    const steps = page.locator('.step-list > li');
    await poll(() => steps.nth(0).textContent()).toContain('15 Jun 2030, 10:00 (Europe/Berlin)');
    expect(await steps.nth(1).textContent()).toContain('22 Jun 2030, 10:00 (Europe/Berlin)');
    expect(await steps.nth(0).locator('time').getAttribute('title')).toBe('2030-06-15 08:00 UTC');
    await screenshot('09-send-window-timeline');

    await page.getByRole('button', { name: 'Duplicate' }).click();
    await poll(() => heading().textContent()).toBe('Weekend promo (copy)');
    expect(await page.locator('.page-header .badge').textContent()).toBe('Draft');
    await poll(() => page.locator('.step-list > li').count()).toBe(2);

    await page.goto(`${server.url}/`);
    await poll(() => heading().textContent()).toBe('Campaigns');
    await page.getByLabel('Search by name').fill('PROMO');
    const items = page.locator('.campaign-list > li');
    await poll(() => items.count()).toBe(2);
    expect(page.url()).toMatch(/\?q=PROMO$/);
    await page.reload();
    await poll(() => items.count()).toBe(2);
    expect(await page.getByLabel('Search by name').inputValue()).toBe('PROMO');
    await page.getByLabel('Search by name').fill('no such campaign');
    await page.getByText('No campaigns whose name contains “no such campaign”.').waitFor();
    await screenshot('10-search');
    await expectAccessible('search without results');
  });

  it('shows a change made elsewhere as it happens, through the tab’s live stream (no polling, no reload)', async () => {
    const client = server.client(await server.token({ brand: BRAND }));
    const campaign = await client.campaigns.create.mutate({ name: 'Winter sale', segment_id: 'seg_winter' });
    await page.goto(`${server.url}/campaigns/${campaign.id}`);
    await poll(() => heading().textContent()).toBe('Winter sale');
    await client.campaigns.update.mutate({ id: campaign.id, name: 'Winter sale (extended)' });
    await poll(() => heading().textContent()).toBe('Winter sale (extended)');
    await poll(() => page.locator('.history').textContent()).toContain(
      '“Winter sale” → “Winter sale (extended)”',
    );
  });

  it('refuses to overwrite a change made elsewhere, and shows what changed', async () => {
    // This tab's stream is cut (an empty answer each time it reconnects), as on a flaky connection: the
    // page does not learn of the rename below before the save, and the server's If-Match check refuses it.
    await page.route('**/trpc/campaigns.onEvent**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/event-stream', body: ': paused\n\n' }),
    );
    const client = server.client(await server.token({ brand: BRAND }));
    const draft = await client.campaigns.create.mutate({ name: 'Autumn sale', segment_id: 'seg_autumn' });
    await page.goto(`${server.url}/campaigns/${draft.id}`);
    await poll(() => heading().textContent()).toBe('Autumn sale');
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByLabel('Description (optional)').fill('Edited in the browser');
    // Meanwhile, someone else renames it.
    await client.campaigns.update.mutate({ id: draft.id, name: 'Autumn sale (final)' });
    await page.getByRole('button', { name: 'Save details' }).click();
    const message = page.locator('.form .action-error');
    await poll(() => message.textContent()).toContain('changed by someone else');
    await poll(() => message.textContent()).toContain(
      'Changed meanwhile: name “Autumn sale” → “Autumn sale (final)”.',
    );
    // The page shows the newer state: the fields not touched here take the new values, the one typed
    // here is kept, and nothing was saved over the rename.
    await poll(() => heading().textContent()).toBe('Autumn sale (final)');
    await poll(() => page.getByLabel('Name').inputValue()).toBe('Autumn sale (final)');
    expect(await page.getByLabel('Description (optional)').inputValue()).toBe('Edited in the browser');
    expect((await client.campaigns.get.query({ id: draft.id })).description).toBeNull();
    await screenshot('11-conflict');
    await expectAccessible('edit refused after a change elsewhere');
    // Saving again applies only what was changed here, to the version now shown.
    await page.getByRole('button', { name: 'Save details' }).click();
    await poll(() => page.getByRole('button', { name: 'Edit details' }).count()).toBe(1);
    expect(await client.campaigns.get.query({ id: draft.id })).toMatchObject({
      name: 'Autumn sale (final)',
      description: 'Edited in the browser',
    });

    // Escape closes the editor and gives focus back to the button that opened it.
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByLabel('Name').press('Escape');
    await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('edit-details');
    await page.unroute('**/trpc/campaigns.onEvent**');

    // The audit trail: who did what, and what it changed.
    const history = page.locator('.history');
    await poll(() => history.textContent()).toContain('created the campaign');
    expect(await history.textContent()).toContain('name “Autumn sale” → “Autumn sale (final)”');
  });

  it('closes the cancel question on Escape and gives focus back', async () => {
    await page.getByRole('button', { name: 'Cancel campaign…' }).click();
    await page.getByRole('button', { name: 'Yes, cancel campaign' }).waitFor();
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('button', { name: 'Yes, cancel campaign' }).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cancel-campaign');
  });

  it('offers a read-only token no controls that would be refused, and says why', async () => {
    const readOnly = await server.token({
      brand: BRAND,
      sub: 'viewer',
      scopes: ['messaging:campaigns:read'],
    });
    const tab = await context.newPage();
    await tab.goto(server.url);
    await tab.getByRole('textbox', { name: 'Access token' }).fill(readOnly);
    await tab.getByRole('button', { name: 'Sign in' }).last().click();
    await poll(() => tab.getByRole('heading', { level: 1 }).textContent()).toBe('Campaigns');
    await tab.getByText('You can view campaigns but not change them').waitFor();
    expect(await tab.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    await tab.locator('.campaign-list a').first().click();
    await tab.locator('.summary').waitFor();
    for (const control of [
      'Edit details',
      'Duplicate',
      'Schedule',
      'Reschedule',
      'Unschedule',
      'Cancel campaign…',
    ]) {
      expect(await tab.getByRole('button', { name: control, exact: true }).count(), control).toBe(0);
    }
    await tab.getByText('You can view campaigns but not change them').waitFor();
    await tab.screenshot({ path: join(SCREENSHOTS, '12-read-only-detail.png'), fullPage: true });
    await expectAccessible('read-only detail', tab);
    await tab.close();
  });

  it('adds a webhook, shows its secret once, sends a test event and shows the attempt', async () => {
    const receiver = await startReceiver();
    const hooks = new WebhookWorker({ db: server.db, allowPrivateUrls: true, pollIntervalMs: 100 });
    hooks.start();
    try {
      await page.goto(`${server.url}/webhooks`);
      await poll(() => heading().textContent()).toBe('Webhooks');
      await page.getByText('No webhooks yet.').waitFor();
      await page.getByLabel('Endpoint URL').fill(receiver.url);
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const secret = page.locator('.secret__value');
      await poll(() => secret.textContent()).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'Send test event' }).click();
      await poll(async () => receiver.received.length).toBe(1);
      await poll(() => page.locator('.webhook table').textContent()).toContain('HTTP 204');
      expect(await page.locator('.webhook table').textContent()).toContain('webhook.test');
      await screenshot('14-webhooks');
      await expectAccessible('webhooks');
      // Shown once: after a reload the secret is gone.
      await page.reload();
      await page.locator('.webhook').first().waitFor();
      expect(await secret.count()).toBe(0);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  }, 60_000);

  it('renders again on reload, in a second tab and on Back, with the cache on (304s included)', async () => {
    const errors: string[] = [];
    const onConsole = (message: { type(): string; text(): string }) => {
      if (message.type() === 'error') errors.push(message.text());
    };
    page.on('console', onConsole);
    // Revalidations of the app's page: the browser asks with its validator, the server answers 304.
    const revalidated: string[] = [];
    const onRequest = (request: { allHeaders(): Promise<Record<string, string>>; url(): string }) => {
      request
        .allHeaders()
        .then((headers) => {
          if (headers['if-none-match'] || headers['if-modified-since']) {
            revalidated.push(new URL(request.url()).pathname);
          }
        })
        .catch(() => undefined); // the page may be gone by the time its headers are read
    };
    page.on('request', onRequest);
    for (const url of [`${server.url}/`, campaignUrl]) {
      await page.goto(url);
      await poll(() => heading().count()).toBe(1);
      const title = await heading().textContent();
      await page.reload();
      await poll(() => heading().textContent()).toBe(title);
    }
    // The browser revalidated the app's page (a 304, with the headers tested in headers-cors.test.ts),
    // and the page still rendered.
    expect(revalidated).toContain('/');

    const second = await context.newPage();
    second.on('console', onConsole);
    await second.goto(campaignUrl);
    // The token is kept per tab (sessionStorage), so a second tab renders the sign-in screen, from cache.
    await poll(() => second.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Sign in to Messaging campaigns',
    );
    await second.close();

    await page.goto(`${server.url}/`);
    await poll(() => heading().textContent()).toBe('Campaigns');
    await page.goBack();
    await poll(() => heading().textContent()).toBe('Spring sale');
    page.off('console', onConsole);
    page.off('request', onRequest);
    expect(errors).toEqual([]);
  });

  it('on a production server (no development sign-in): only the token form, no error logged, axe clean', async () => {
    const production = await startTestServer({ webRoot, devTokens: false });
    const tab = await context.newPage();
    try {
      await tab.goto(production.url);
      await poll(() => tab.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Sign in to Messaging campaigns',
      );
      await tab.getByRole('textbox', { name: 'Access token' }).waitFor();
      expect(await tab.getByLabel('Brand ID').count()).toBe(0);
      await tab.screenshot({ path: join(SCREENSHOTS, '13-production-sign-in.png'), fullPage: true });
      await expectAccessible('production sign-in', tab);
    } finally {
      await tab.close();
      await production.close();
    }
  }, 60_000);

  it('logged no console error and no page error on any screen, in any tab', () => {
    expect(consoleErrors).toEqual([]);
  });
});
