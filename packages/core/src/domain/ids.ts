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

/** Opaque, unguessable ids: a type prefix and 128 random bits in base32-ish lowercase hex. */
export const newId = (kind: keyof typeof PREFIXES): string =>
  `${PREFIXES[kind]}_${randomBytes(16).toString('hex')}`;

const PLAUSIBLE_ID = /^[a-z]{3}_[0-9a-f]{32}$/;

/**
 * Ids we could have issued. Anything else (NUL bytes, 1,000 characters, SQL) cannot exist, so it is a
 * 404 without a database round trip and never reaches PostgreSQL.
 */
export const isPlausibleId = (value: string): boolean => PLAUSIBLE_ID.test(value);
