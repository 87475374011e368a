import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, loadConfig } from '../src/config';

// API.md, Running: the environment variables, their defaults and what is refused.

const SECRET = 'a-real-secret-of-at-least-32-characters!';

describe('loadConfig', () => {
  it('defaults: port 3000 on 127.0.0.1, embedded database, dev secret, dispatcher on, info logs', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    // toMatchObject: other settings (the dispatcher's) may be added beside these.
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      jwtSecret: DEV_JWT_SECRET,
      usingDevSecret: true,
      dispatcher: true,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u@db:5432/campaigns',
      JWT_SECRET: SECRET,
      DISPATCHER: 'off',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://u@db:5432/campaigns',
      jwtSecret: SECRET,
      usingDevSecret: false,
      dispatcher: false,
      logLevel: 'warn',
    });
  });

  it('treats empty variables as unset (a blank `PORT=` in an env file keeps the default)', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '',
      DATABASE_URL: '',
      JWT_SECRET: '',
      DISPATCHER: '',
      LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      usingDevSecret: true,
    });
    expect(config).toMatchObject({ dispatcher: true, logLevel: 'info' });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', npm_config_x: 'y' }).port).toBe(3000);
  });

  it.each(['0', '1', '65535'])('accepts PORT=%s', (port) => {
    expect(loadConfig({ PORT: port }).port).toBe(Number(port));
  });

  it.each(['abc', '65536', '70000', '-1', '80.5', '3000abc'])(
    'refuses PORT=%s, naming the variable',
    (port) => {
      expect(() => loadConfig({ PORT: port })).toThrow(/Invalid configuration[\s\S]*PORT/);
    },
  );

  it('production requires JWT_SECRET, with a message that says so', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: required when NODE_ENV=production/,
    );
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toMatchObject({
      jwtSecret: SECRET,
      usingDevSecret: false,
    });
  });

  it('outside production, no JWT_SECRET means the development secret, flagged for the loud warning', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(loadConfig({ NODE_ENV: nodeEnv })).toMatchObject({
        jwtSecret: DEV_JWT_SECRET,
        usingDevSecret: true,
      });
    }
  });

  it('refuses a JWT_SECRET too short for HS256', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 characters/);
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(() => loadConfig({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV/);
  });

  it.each([
    ['on', true],
    ['off', false],
  ])('DISPATCHER=%s', (value, expected) => {
    expect(loadConfig({ DISPATCHER: value }).dispatcher).toBe(expected);
  });

  it.each(['yes', 'true', '1', 'OFF'])('refuses DISPATCHER=%s', (value) => {
    expect(() => loadConfig({ DISPATCHER: value })).toThrow(/DISPATCHER/);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('LOG_LEVEL=%s', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('refuses an unknown LOG_LEVEL', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
  });

  it('reports every problem at once', () => {
    expect(() => loadConfig({ PORT: 'x', DISPATCHER: 'maybe', LOG_LEVEL: 'loud' })).toThrow(
      /PORT[\s\S]*DISPATCHER[\s\S]*LOG_LEVEL|PORT[\s\S]*LOG_LEVEL[\s\S]*DISPATCHER/,
    );
  });
});
