import { existsSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded one); the browser tests skip where it is not installed. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

type ContextOptions = Parameters<typeof chromium.launchPersistentContext>[1];

/**
 * A person's browser: one persistent profile in `profileDir`, cache on, headless, and nothing that
 * phones home on its own (background networking, component updates, sync, QUIC).
 */
export const launchBrowser = (profileDir: string, options: ContextOptions = {}): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    ...options,
  });
