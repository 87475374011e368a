import { webcrypto } from 'node:crypto';
import { SCOPES, type Scope } from '@campaigns/contract';
import {
  createRemoteJWKSet,
  errors,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';

/** The verified caller behind a bearer token. */
/** `sub` and `brand_id`: 1 to 255 characters (they are stored as `created_by` and the tenant key). */
export const MAX_CLAIM_LENGTH = 255;
const isClaim = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value.length <= MAX_CLAIM_LENGTH;

export interface Principal {
  sub: string;
  brandId: string;
  scopes: ReadonlySet<string>;
}

export type AuthFailure = 'missing' | 'malformed' | 'invalid' | 'expired';

export type Authentication = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure };

export interface TokenVerifier {
  verify(authorizationHeader: string | undefined): Promise<Authentication>;
}

// The scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** Signature algorithms of keys published through a JWKS URL. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/** How long a fetched key set is used before it is fetched again (jose's default, as JWT_JWKS_CACHE_MAX_AGE). */
const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;

/** Default leeway for `exp`/`nbf`/`iat` against clocks that disagree by a few seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtVerifierOptions {
  /** HS256 shared secret. Without it HS256 tokens are refused. */
  hs256Secret?: string;
  /** A JWKS URL: RS256 and ES256 tokens are verified against its keys, selected by `kid`. */
  jwksUrl?: string | URL;
  /** When set, the `iss` claim must equal it. */
  issuer?: string;
  /** When set, the `aud` claim must contain it. */
  audience?: string;
  /** Leeway for `exp` and `nbf`, in seconds (default 30). */
  clockToleranceSeconds?: number;
  /**
   * The key set is fetched again after this long (default 10 minutes): a key removed from the JWKS
   * stops being accepted at the latest this long after its removal.
   */
  jwksCacheMaxAgeMs?: number;
  /**
   * A token with an unknown `kid` makes the key set be fetched again (key rotation), but no more often
   * than this (default 30 s), so that tokens with made-up kids cannot hammer the JWKS endpoint.
   */
  jwksCooldownMs?: number;
  /** Fetch timeout of the key set (default 5 s). */
  jwksTimeoutMs?: number;
  /**
   * Verified tokens remembered (default 10,000; 0: none), each until its `exp` or until the key set
   * it was checked against is due to be fetched again (`jwksCacheMaxAgeMs`), whichever comes first.
   */
  tokenCacheSize?: number;
  /** The key set could not be fetched or read (the token is then refused as invalid). For logging. */
  onKeySetError?: (error: unknown) => void;
}

const asymmetric = new Set<string>(JWKS_ALGORITHMS);

/** A key set lookup failing for the token's own reasons, not because the JWKS endpoint failed. */
const isTokenKeyError = (error: unknown) =>
  error instanceof errors.JWKSNoMatchingKey ||
  error instanceof errors.JWKSMultipleMatchingKeys ||
  error instanceof errors.JOSENotSupported;

/**
 * Verifies bearer JWTs: HS256 with a shared secret and/or RS256/ES256 against a JWKS URL, whichever is
 * configured. The key is chosen by the token's `alg`: an HS256 token is only ever checked with the
 * secret and an RS256/ES256 one only with the key set, so a public key can never be used as an HMAC
 * secret; `alg: none` and every other algorithm are refused. `exp` is required; `iss`/`aud` are
 * checked when configured. The JWKS is fetched lazily, cached, and fetched again when a token names an
 * unknown `kid` (rotation) or the cache is older than `jwksCacheMaxAgeMs` (removal).
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const secret =
    options.hs256Secret === undefined ? undefined : new TextEncoder().encode(options.hs256Secret);
  const jwks =
    options.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(options.jwksUrl), {
          ...(options.jwksCacheMaxAgeMs !== undefined ? { cacheMaxAge: options.jwksCacheMaxAgeMs } : {}),
          ...(options.jwksCooldownMs !== undefined ? { cooldownDuration: options.jwksCooldownMs } : {}),
          ...(options.jwksTimeoutMs !== undefined ? { timeoutDuration: options.jwksTimeoutMs } : {}),
        });
  if (secret === undefined && jwks === undefined) {
    throw new Error('createJwtVerifier: configure an HS256 secret, a JWKS URL, or both');
  }
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? JWKS_ALGORITHMS : [])];

  // The HMAC key is imported into WebCrypto once, not by jose on every verification (a raw Uint8Array
  // secret is re-imported per call: a measurable share of a request's CPU).
  let hs256Key: Promise<webcrypto.CryptoKey> | undefined;
  const hs256 = (raw: Uint8Array<ArrayBuffer>) =>
    (hs256Key ??= webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]));

  // jose checks `alg` against `algorithms` before it asks for the key.
  const getKey: JWTVerifyGetKey = async (header: JWSHeaderParameters, token) => {
    if (header.alg === 'HS256' && secret) return hs256(secret);
    if (header.alg !== undefined && asymmetric.has(header.alg) && jwks) {
      try {
        return await jwks(header, token);
      } catch (error) {
        if (!isTokenKeyError(error)) options.onKeySetError?.(error);
        throw error;
      }
    }
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };

  const verifyOptions = {
    algorithms,
    requiredClaims: ['exp'],
    clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  };

  // A client sends the same token with every request: verifying its signature each time (WebCrypto, an
  // async job) was the largest share of a read's CPU (docs/performance.md). Only successes are kept.
  const cacheSize = options.tokenCacheSize ?? 10_000;
  const keyAgeMs = options.jwksCacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS;
  const verified = new Map<string, { principal: Principal; until: number }>();

  return {
    async verify(header) {
      if (header === undefined || header === '') return { ok: false, failure: 'missing' };
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) return { ok: false, failure: 'malformed' };
      const now = Date.now();
      const cached = verified.get(token);
      if (cached && now < cached.until) return { ok: true, principal: cached.principal };
      if (cached) verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, getKey, verifyOptions);
        const { sub, brand_id: brandId, scope } = payload;
        if (!isClaim(sub) || !isClaim(brandId)) return { ok: false, failure: 'invalid' };
        const scopes = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
        const principal: Principal = { sub, brandId, scopes };
        if (cacheSize > 0 && typeof payload.exp === 'number') {
          // The oldest entry goes first (Map keeps insertion order): the cache never grows past its size.
          if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
          verified.set(token, { principal, until: Math.min(payload.exp * 1000, now + keyAgeMs) });
        }
        return { ok: true, principal };
      } catch (error) {
        return { ok: false, failure: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },
  };
}

/** HS256 only, with a key imported once (see createJwtVerifier). */
export const createHs256Verifier = (secret: string, options: Omit<JwtVerifierOptions, 'hs256Secret'> = {}) =>
  createJwtVerifier({ ...options, hs256Secret: secret });

export interface TokenClaims {
  sub: string;
  brandId: string;
  scopes?: readonly Scope[] | readonly string[];
  /** Lifetime, e.g. '1h', '30d' (jose's time span syntax), or an absolute expiry. */
  expiresIn?: string | Date;
}

/** Issues an HS256 token: for `pnpm token`, the web app's development sign-in and tests. */
export async function signToken(secret: string, claims: TokenClaims): Promise<string> {
  // Development tokens carry every scope (API.md, Authentication).
  const scopes = claims.scopes ?? Object.values(SCOPES);
  return new SignJWT({ brand_id: claims.brandId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}
