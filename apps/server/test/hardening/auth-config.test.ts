import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config';

// docs/hardening.md, Authentication: JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_CLOCK_TOLERANCE_SECONDS.

const SECRET = 'a-real-secret-of-at-least-32-characters!';
const JWKS = 'https://idp.example.com/.well-known/jwks.json';

describe('token verification settings', () => {
  it('defaults: HS256 with the development secret, no JWKS, no iss/aud check, 30 s tolerance', () => {
    expect(loadConfig({})).toMatchObject({
      jwtSecret: DEV_JWT_SECRET,
      usingDevSecret: true,
      auth: {
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        clockToleranceSeconds: 30,
        jwksCacheMaxAgeMs: 600_000,
      },
    });
  });

  it('reads JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_CLOCK_TOLERANCE_SECONDS, JWT_JWKS_CACHE_MAX_AGE', () => {
    expect(
      loadConfig({
        JWT_JWKS_URL: JWKS,
        JWT_ISSUER: 'https://idp.example.com/',
        JWT_AUDIENCE: 'campaigns-api',
        JWT_CLOCK_TOLERANCE_SECONDS: '5',
        JWT_JWKS_CACHE_MAX_AGE: '2m',
      }).auth,
    ).toEqual({
      jwksUrl: JWKS,
      issuer: 'https://idp.example.com/',
      audience: 'campaigns-api',
      clockToleranceSeconds: 5,
      jwksCacheMaxAgeMs: 120_000,
    });
  });

  it('JWKS without JWT_SECRET: HS256 is off (no development secret, no warning, no dev sign-in)', () => {
    expect(loadConfig({ JWT_JWKS_URL: JWKS })).toMatchObject({ jwtSecret: undefined, usingDevSecret: false });
  });

  it('JWKS with an explicit JWT_SECRET: both are accepted', () => {
    expect(loadConfig({ JWT_JWKS_URL: JWKS, JWT_SECRET: SECRET })).toMatchObject({
      jwtSecret: SECRET,
      usingDevSecret: false,
      auth: { jwksUrl: JWKS },
    });
  });

  it('production runs with JWT_JWKS_URL alone, and still refuses neither', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: JWKS }).jwtSecret).toBeUndefined();
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required.*JWT_JWKS_URL/);
  });

  it.each(['not a url', 'ftp://idp.example.com/jwks', 'file:///etc/jwks.json'])(
    'refuses JWT_JWKS_URL=%s',
    (url) => {
      expect(() => loadConfig({ JWT_JWKS_URL: url })).toThrow(/JWT_JWKS_URL/);
    },
  );

  it.each(['-1', '301', '1.5', 'soon'])('refuses JWT_CLOCK_TOLERANCE_SECONDS=%s', (value) => {
    expect(() => loadConfig({ JWT_CLOCK_TOLERANCE_SECONDS: value })).toThrow(/JWT_CLOCK_TOLERANCE_SECONDS/);
  });

  it('accepts a tolerance of 0', () => {
    expect(loadConfig({ JWT_CLOCK_TOLERANCE_SECONDS: '0' }).auth.clockToleranceSeconds).toBe(0);
  });
});
