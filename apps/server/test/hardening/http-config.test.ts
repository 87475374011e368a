import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

// docs/hardening.md: the HTTP hardening settings, their defaults and what is refused.

describe('HTTP hardening settings', () => {
  it('defaults: 1 MiB bodies, 16 KiB heads, 1200 calls a minute, no CORS, no HSTS', () => {
    expect(loadConfig({}).http).toEqual({
      bodyLimitBytes: 1_048_576,
      maxHeaderSizeBytes: 16_384,
      rateLimitPerMinute: 1200,
      requestTimeoutMs: 30_000,
      trpcMaxBatch: 50,
      trpcFastPath: true,
      corsOrigins: [],
      hstsMaxAgeSeconds: null,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      BODY_LIMIT_BYTES: '65536',
      MAX_HEADER_SIZE: '8192',
      RATE_LIMIT_PER_MINUTE: '60',
      REQUEST_TIMEOUT: '5s',
      TRPC_MAX_BATCH: '10',
      TRPC_FAST_PATH: 'off',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/',
      HSTS_MAX_AGE: '365d',
    });
    expect(config.http).toEqual({
      bodyLimitBytes: 65_536,
      maxHeaderSizeBytes: 8192,
      rateLimitPerMinute: 60,
      requestTimeoutMs: 5_000,
      trpcMaxBatch: 10,
      trpcFastPath: false,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      hstsMaxAgeSeconds: 31_536_000,
    });
  });

  it.each(['0', 'off'])('RATE_LIMIT_PER_MINUTE=%s turns the limit off', (value) => {
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: value }).http.rateLimitPerMinute).toBeNull();
  });

  it.each([
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['RATE_LIMIT_PER_MINUTE', '-5'],
    ['RATE_LIMIT_PER_MINUTE', '1.5'],
    ['BODY_LIMIT_BYTES', '100'],
    ['BODY_LIMIT_BYTES', '1MB'],
    ['MAX_HEADER_SIZE', '10'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['HSTS_MAX_AGE', 'forever'],
    ['REQUEST_TIMEOUT', 'never'],
    ['TRPC_MAX_BATCH', '0'],
    ['TRPC_FAST_PATH', 'maybe'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`Invalid configuration[\\s\\S]*${name}`));
  });
});
