/** The parts of a token the app shows: who is signed in, for which brand, until when. */
export interface TokenClaims {
  sub: string | null;
  brandId: string | null;
  /** Expiry in epoch milliseconds, or null when the token has no `exp`. */
  expiresAt: number | null;
  /** The space-separated `scope` claim, split (none: no scopes, as the server reads it). */
  scopes: string[];
}

const JWT = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Reads a JWT's claims for display only. Nothing here is trusted: the server verifies every request, and
 * a forged token simply gets `unauthorized` back.
 */
export function readClaims(token: string): TokenClaims | null {
  const payload = JWT.exec(token.trim())?.[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(decodeBase64Url(payload));
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, brand_id: brandId, exp, scope } = claims as Record<string, unknown>;
    return {
      sub: typeof sub === 'string' ? sub : null,
      brandId: typeof brandId === 'string' ? brandId : null,
      expiresAt: typeof exp === 'number' ? exp * 1000 : null,
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    };
  } catch {
    return null;
  }
}

export const isExpired = (claims: TokenClaims, now = Date.now()): boolean =>
  claims.expiresAt !== null && claims.expiresAt <= now;
