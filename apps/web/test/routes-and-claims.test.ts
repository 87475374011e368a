import { describe, expect, it } from 'vitest';
import { isExpired, readClaims } from '../src/auth/claims';
import { matchRoute, paths } from '../src/router/routes';

describe('matchRoute', () => {
  it('maps URLs to screens', () => {
    expect(matchRoute('/')).toEqual({ name: 'list' });
    expect(matchRoute('/campaigns/new')).toEqual({ name: 'create' });
    expect(matchRoute('/campaigns/cmp_1/')).toEqual({ name: 'detail', campaignId: 'cmp_1' });
    expect(matchRoute('/campaigns/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(matchRoute('/nope')).toEqual({ name: 'notFound' });
  });

  it('builds the URLs it matches', () => {
    expect(matchRoute(paths.detail('a/b'))).toEqual({ name: 'detail', campaignId: 'a/b' });
    expect(paths.list('draft')).toBe('/?status=draft');
  });
});

const base64Url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (payload: object) => `${base64Url({ alg: 'HS256' })}.${base64Url(payload)}.signature`;

describe('readClaims', () => {
  it('reads who is signed in, for display only', () => {
    expect(readClaims(token({ sub: 'ada', brand_id: 'brand_demo', exp: 2_000_000_000 }))).toEqual({
      sub: 'ada',
      brandId: 'brand_demo',
      expiresAt: 2_000_000_000_000,
      scopes: [],
    });
  });

  it('reads the scopes the token grants, to offer only the controls they allow', () => {
    const claims = readClaims(
      token({ sub: 'ada', scope: 'messaging:campaigns:read  messaging:campaigns:write' }),
    );
    expect(claims?.scopes).toEqual(['messaging:campaigns:read', 'messaging:campaigns:write']);
  });

  it('rejects what is not a JWT and spots expired tokens', () => {
    expect(readClaims('not a token')).toBeNull();
    expect(readClaims('a.%%%.c')).toBeNull();
    const claims = readClaims(token({ exp: 1 }));
    expect(claims && isExpired(claims)).toBe(true);
  });
});
