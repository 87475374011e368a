import { DomainError } from './errors';

/**
 * Optimistic concurrency (API.md, "Optimistic concurrency"): a campaign's version is its `updated_at`,
 * which strictly increases on every change of the campaign or its steps, written as a strong ETag.
 */

/** `"2026-11-23T10:00:00.123Z"`: the campaign's version as an ETag. */
export const etagOf = (updatedAt: Date | string): string =>
  `"${typeof updatedAt === 'string' ? updatedAt : updatedAt.toISOString()}"`;

/** The instant of the next version: now, or 1 ms past the current one when the clock has not moved on. */
export const nextVersionAt = (now: Date, current: Date): Date =>
  now.getTime() > current.getTime() ? now : new Date(current.getTime() + 1);

/**
 * Whether a conditional header (`If-Match`, `If-None-Match`) names `etag`: `*`, or a comma-separated list
 * of entity tags one of which is it. `weak`: the weak comparison of If-None-Match (RFC 9110 §8.8.3.2),
 * where `W/"x"` matches `"x"`; If-Match compares strongly, so a weak tag never matches.
 */
export function conditionMatches(header: string, etag: string, options: { weak: boolean }): boolean {
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  return trimmed.split(',').some((candidate) => {
    const tag = candidate.trim();
    if (tag.startsWith('W/')) return options.weak && tag.slice(2) === etag;
    return tag === etag;
  });
}

/**
 * The versions an `If-Match` header accepts, for a check made in SQL: `any` for `*`, else the instants its
 * strong tags name. A version matches exactly when conditionMatches(header, etagOf(version), strong) does.
 */
export function versionsMatching(header: string): 'any' | Date[] {
  const trimmed = header.trim();
  if (trimmed === '*') return 'any';
  const versions: Date[] = [];
  for (const candidate of trimmed.split(',')) {
    const tag = candidate.trim();
    if (tag.length < 2 || !tag.startsWith('"') || !tag.endsWith('"')) continue;
    const text = tag.slice(1, -1);
    const version = new Date(text);
    // Only a tag that is exactly some version's ETag can ever match.
    if (!Number.isNaN(version.getTime()) && version.toISOString() === text) versions.push(version);
  }
  return versions;
}

/** Throws 412 `precondition_failed` (`version_mismatch`) when `ifMatch` does not name the current version. */
export function assertIfMatch(ifMatch: string | undefined, currentUpdatedAt: Date): void {
  if (ifMatch === undefined) return;
  const current = etagOf(currentUpdatedAt);
  if (!conditionMatches(ifMatch, current, { weak: false })) {
    throw new DomainError(
      'precondition_failed',
      'The campaign has changed since the version named in If-Match; read it again and reapply the change',
      { reason: 'version_mismatch', current_etag: current },
    );
  }
}
