import { SCOPES, type Scope } from '@campaigns/contract';
import { errors, jwtVerify, SignJWT } from 'jose';

/** The verified caller behind a bearer token. */
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
const ALGORITHMS = ['HS256'];

/** HS256 verification with a key imported once; `alg: none` and every other algorithm are refused. */
export function createHs256Verifier(secret: string): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return {
    async verify(header) {
      if (header === undefined || header === '') return { ok: false, failure: 'missing' };
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) return { ok: false, failure: 'malformed' };
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ALGORITHMS, requiredClaims: ['exp'] });
        const { sub, brand_id: brandId, scope } = payload;
        if (typeof sub !== 'string' || sub === '' || typeof brandId !== 'string' || brandId === '') {
          return { ok: false, failure: 'invalid' };
        }
        const scopes = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
        return { ok: true, principal: { sub, brandId, scopes } };
      } catch (error) {
        return { ok: false, failure: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },
  };
}

export interface TokenClaims {
  sub: string;
  brandId: string;
  scopes?: readonly Scope[] | readonly string[];
  /** Lifetime, e.g. '1h', '30d' (jose's time span syntax), or an absolute expiry. */
  expiresIn?: string | Date;
}

/** Issues an HS256 token: for `pnpm token`, the web app's development sign-in and tests. */
export async function signToken(secret: string, claims: TokenClaims): Promise<string> {
  const scopes = claims.scopes ?? [SCOPES.read, SCOPES.write];
  return new SignJWT({ brand_id: claims.brandId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}
