import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createHs256Verifier, type Principal } from '../../src/auth/tokens';

const SECRET = 'token-cache-test-secret-0123456789-0123456789';
const sign = (sub: string, expiresAt: number) =>
  new SignJWT({ brand_id: 'brand_cache', scope: 'messaging:campaigns:read' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(new TextEncoder().encode(SECRET));
const principalOf = async (verify: (h: string) => Promise<unknown>, token: string): Promise<Principal> => {
  const result = (await verify(`Bearer ${token}`)) as { ok: boolean; principal?: Principal };
  expect(result.ok).toBe(true);
  return result.principal!;
};

describe('verified-token cache', () => {
  it('answers a token it verified from memory: the same principal, not a second verification', async () => {
    const verifier = createHs256Verifier(SECRET);
    const token = await sign('user_a', Date.now() + 3_600_000);
    const first = await principalOf((h) => verifier.verify(h), token);
    expect(await principalOf((h) => verifier.verify(h), token)).toBe(first);
    // Without the cache every call builds a new principal.
    const uncached = createHs256Verifier(SECRET, { tokenCacheSize: 0 });
    const a = await principalOf((h) => uncached.verify(h), token);
    expect(await principalOf((h) => uncached.verify(h), token)).not.toBe(a);
  });

  it('keeps a token no longer than its exp: once expired it is refused, cached or not', async () => {
    const verifier = createHs256Verifier(SECRET, { clockToleranceSeconds: 0 });
    // exp is in whole seconds: at least 1.2 s from now, then wait past it.
    const exp = Math.ceil((Date.now() + 1_200) / 1000) * 1000;
    const token = await sign('user_b', exp);
    await principalOf((h) => verifier.verify(h), token);
    await new Promise((resolve) => setTimeout(resolve, exp - Date.now() + 50));
    expect(await verifier.verify(`Bearer ${token}`)).toEqual({ ok: false, failure: 'expired' });
  });

  it('keeps a token no longer than the key set cache age', async () => {
    const verifier = createHs256Verifier(SECRET, { jwksCacheMaxAgeMs: 300 });
    const token = await sign('user_c', Date.now() + 3_600_000);
    const first = await principalOf((h) => verifier.verify(h), token);
    expect(await principalOf((h) => verifier.verify(h), token)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await principalOf((h) => verifier.verify(h), token)).not.toBe(first);
  });

  it('is bounded: past its size the oldest token is verified again', async () => {
    const verifier = createHs256Verifier(SECRET, { tokenCacheSize: 2 });
    const tokens = await Promise.all(['u1', 'u2', 'u3'].map((sub) => sign(sub, Date.now() + 3_600_000)));
    const first = await principalOf((h) => verifier.verify(h), tokens[0]!);
    await principalOf((h) => verifier.verify(h), tokens[1]!);
    const third = await principalOf((h) => verifier.verify(h), tokens[2]!);
    expect(await principalOf((h) => verifier.verify(h), tokens[0]!)).not.toBe(first);
    expect(await principalOf((h) => verifier.verify(h), tokens[2]!)).toBe(third);
  });
});
