import { randomBytes } from 'node:crypto';

const PREFIXES = {
  campaign: 'cmp',
  step: 'stp',
  delivery: 'dlv',
  event: 'evt',
  webhook: 'whk',
  webhookDelivery: 'whd',
  webhookAttempt: 'wha',
} as const;

/**
 * CSPRNG bytes drawn 4 KiB at a time, as Node's own randomUUID does: one `randomBytes(16)` per id was
 * 3.5 % of the server's CPU on a write (a synchronous system call each; docs/performance.md).
 */
const ENTROPY_BYTES = 4096;
let entropy = Buffer.alloc(0);
let used = 0;

function random128Hex(): string {
  if (used + 16 > entropy.length) {
    entropy = randomBytes(ENTROPY_BYTES);
    used = 0;
  }
  const hex = entropy.toString('hex', used, used + 16);
  used += 16;
  return hex;
}

/** Opaque, unguessable ids: a type prefix and 128 random bits in lowercase hex. */
export const newId = (kind: keyof typeof PREFIXES): string => `${PREFIXES[kind]}_${random128Hex()}`;

const PLAUSIBLE_ID = /^[a-z]{3}_[0-9a-f]{32}$/;

/**
 * Ids we could have issued. Anything else (NUL bytes, 1,000 characters, SQL) cannot exist, so it is a
 * 404 without a database round trip and never reaches PostgreSQL.
 */
export const isPlausibleId = (value: string): boolean => PLAUSIBLE_ID.test(value);
