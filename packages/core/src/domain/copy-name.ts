import { CAMPAIGN_LIMITS } from '@campaigns/contract';

const SUFFIX = ' (copy)';
const HIGH_SURROGATE = /[\uD800-\uDBFF]$/;

/** A duplicate's name: `<name> (copy)`, the name cut (never inside a character) so the whole fits. */
export function copyName(name: string): string {
  if (name.length + SUFFIX.length <= CAMPAIGN_LIMITS.nameMax) return `${name}${SUFFIX}`;
  const cut = name.slice(0, CAMPAIGN_LIMITS.nameMax - SUFFIX.length).replace(HIGH_SURROGATE, '');
  return `${cut.trimEnd()}${SUFFIX}`;
}
