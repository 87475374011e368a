import { REQUEST_LIMITS } from '@campaigns/contract';
import { z } from 'zod';
import { parseDuration } from './duration';

/** A development-only secret: tokens signed with it are worthless anywhere else. */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-0123456789';

/** A duration setting (see parseDuration) in milliseconds. */
function toMs(text: string, ctx: z.RefinementCtx): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return ms;
  ctx.addIssue({
    code: 'custom',
    message: 'expected a duration such as 500ms, 30s, 15m, 2h or a number of seconds',
  });
  return z.NEVER;
}
const duration = z.string().transform(toMs);
const durationOrOff = z.string().transform((text, ctx) => (text === 'off' ? null : toMs(text, ctx)));

/** `RATE_LIMIT_PER_MINUTE`: a number of calls, or `0`/`off` for no limit (null). */
const rateLimit = z.string().transform((text, ctx) => {
  if (text === 'off' || text === '0') return null;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 1 && n <= 1_000_000) return n;
  ctx.addIssue({ code: 'custom', message: 'expected calls per minute (1 to 1000000), 0 or off' });
  return z.NEVER;
});

/** `CORS_ORIGINS`: comma-separated origins such as `https://app.example.com` (scheme, host, port). */
const origins = z.string().transform((text, ctx) => {
  const list = text
    .split(',')
    .map((item) => item.trim().replace(/\/$/, ''))
    .filter((item) => item !== '');
  for (const origin of list) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `not an origin (scheme://host[:port]): ${origin}` });
    }
  }
  return list;
});

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_READ_LANES: z.coerce.number().int().min(0).max(64).default(2),
  DATABASE_WRITE_LANES: z.coerce.number().int().min(0).max(64).default(8),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  JWT_JWKS_CACHE_MAX_AGE: duration
    .refine((ms) => ms >= 1_000 && ms <= 86_400_000, 'must be between 1s and 1d')
    .default(600_000),
  DISPATCHER: z.enum(['on', 'off']).default('on'),
  DISPATCH_POLL_INTERVAL: duration
    .refine((ms) => ms >= 1 && ms <= 60_000, 'must be between 1ms and 60s')
    .default(1_000),
  DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  DISPATCH_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(25),
  DISPATCH_MAX_LATENESS: durationOrOff.default(null),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(104_857_600).default(1_048_576),
  MAX_HEADER_SIZE: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
  RATE_LIMIT_PER_MINUTE: rateLimit.default(1200),
  REQUEST_TIMEOUT: duration
    .refine((ms) => ms >= 100 && ms <= 600_000, 'must be between 100ms and 10m')
    .default(30_000),
  IDEMPOTENCY_LEASE: duration
    .refine((ms) => ms >= 1_000 && ms <= 3_600_000, 'must be between 1s and 1h')
    .default(60_000),
  TRPC_MAX_BATCH: z.coerce.number().int().min(1).max(1000).default(REQUEST_LIMITS.trpcMaxBatch),
  TRPC_FAST_PATH: z.enum(['on', 'off']).default('on'),
  CORS_ORIGINS: origins.default([]),
  HSTS_MAX_AGE: durationOrOff
    .refine((ms) => ms === null || ms >= 1_000, 'must be at least 1s, or off')
    .default(null),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, context) => {
      const delays = text.split(',').map((part) => parseDuration(part));
      if (delays.length === 0 || delays.some((ms) => ms === undefined || ms < 1)) {
        context.addIssue({ code: 'custom', message: 'must be comma-separated durations, e.g. 5s,5m,30m' });
        return z.NEVER;
      }
      return delays as number[];
    })
    .optional(),
  WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false']).default('false'),
  WEBHOOK_TIMEOUT: duration
    .refine((ms) => ms >= 100 && ms <= 60_000, 'must be between 100ms and 60s')
    .default(10_000),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** The embedded PostgreSQL's cluster directory (DATA_DIR); default `<repo>/.data/postgres`. */
  dataDir: string | undefined;
  /** Connections of the API's database pool (DATABASE_POOL_MAX; docs/performance.md). */
  databasePoolMax: number;
  /** Pipelined read connections besides the pool (DATABASE_READ_LANES; 0: reads use the pool). */
  databaseReadLanes: number;
  /** Pipelined connections for the one-round-trip changes (DATABASE_WRITE_LANES; 0: the pool). */
  databaseWriteLanes: number;
  /**
   * The HS256 key: JWT_SECRET, else (without JWT_JWKS_URL, outside production) the development secret.
   * Undefined when JWT_JWKS_URL is set without JWT_SECRET: then HS256 tokens are refused.
   */
  jwtSecret: string | undefined;
  /** True when no JWT_SECRET was given and the development secret is in use. */
  usingDevSecret: boolean;
  /** Token verification besides the HS256 key (docs/hardening.md, Authentication). */
  auth: {
    /** RS256/ES256 keys, selected by `kid` (JWT_JWKS_URL). */
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    clockToleranceSeconds: number;
    jwksCacheMaxAgeMs: number;
  };
  /** Run the dispatcher inside the server (DISPATCHER=on). `pnpm worker` runs it regardless. */
  dispatcher: boolean;
  dispatch: {
    pollIntervalMs: number;
    concurrency: number;
    batchSize: number;
    /** null: a campaign found late still sends. */
    maxLatenessMs: number | null;
  };
  logLevel: string;
  /** How long a claimed Idempotency-Key without a response holds before a retry may take it over. */
  idempotencyLeaseMs: number;
  webhooks: {
    /** Delays before each retry (WEBHOOK_RETRY_SCHEDULE); undefined: the contract's default. */
    retryScheduleMs: number[] | undefined;
    /** http and private addresses allowed (WEBHOOK_ALLOW_PRIVATE_URLS), for development and tests. */
    allowPrivateUrls: boolean;
    /** An attempt without a 2xx within this fails (WEBHOOK_TIMEOUT; API.md: 10 s). */
    timeoutMs: number;
  };
  /** Request limits, rate limit, CORS and security headers (docs/hardening.md). */
  http: {
    /** Largest request body; over it 413. */
    bodyLimitBytes: number;
    /** Largest request head (Node's maxHeaderSize); over it Node answers 431. */
    maxHeaderSizeBytes: number;
    /** Calls per minute per token (or per address without one), across all processes; null: no limit. */
    rateLimitPerMinute: number | null;
    /** A whole request must arrive within this long, else 408 (REQUEST_TIMEOUT). */
    requestTimeoutMs: number;
    /** Calls in one tRPC batch (TRPC_MAX_BATCH). */
    trpcMaxBatch: number;
    /** Plain tRPC calls answered by the fast path (TRPC_FAST_PATH=on), else all by tRPC's adapter. */
    trpcFastPath: boolean;
    /** Browser origins allowed to call the API (CORS); none by default. */
    corsOrigins: string[];
    /** Strict-Transport-Security max-age; null: no HSTS header (serve HTTPS before turning it on). */
    hstsMaxAgeSeconds: number | null;
  };
}

/** Reads the environment (API.md, Running). Throws a readable error for a bad or missing setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  if (
    values.NODE_ENV === 'production' &&
    values.JWT_SECRET === undefined &&
    values.JWT_JWKS_URL === undefined
  ) {
    throw new Error(
      'Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production (or set JWT_JWKS_URL)',
    );
  }
  // With a JWKS URL, HS256 stays on only when JWT_SECRET is given explicitly: never the dev secret.
  const usingDevSecret = values.JWT_SECRET === undefined && values.JWT_JWKS_URL === undefined;
  return {
    nodeEnv: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    dataDir: values.DATA_DIR,
    databasePoolMax: values.DATABASE_POOL_MAX,
    databaseReadLanes: values.DATABASE_READ_LANES,
    databaseWriteLanes: values.DATABASE_WRITE_LANES,
    jwtSecret: values.JWT_SECRET ?? (usingDevSecret ? DEV_JWT_SECRET : undefined),
    usingDevSecret,
    auth: {
      jwksUrl: values.JWT_JWKS_URL,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
      clockToleranceSeconds: values.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksCacheMaxAgeMs: values.JWT_JWKS_CACHE_MAX_AGE,
    },
    dispatcher: values.DISPATCHER === 'on',
    dispatch: {
      pollIntervalMs: values.DISPATCH_POLL_INTERVAL,
      concurrency: values.DISPATCH_CONCURRENCY,
      batchSize: values.DISPATCH_BATCH_SIZE,
      maxLatenessMs: values.DISPATCH_MAX_LATENESS,
    },
    logLevel: values.LOG_LEVEL,
    idempotencyLeaseMs: values.IDEMPOTENCY_LEASE,
    webhooks: {
      retryScheduleMs: values.WEBHOOK_RETRY_SCHEDULE,
      allowPrivateUrls: values.WEBHOOK_ALLOW_PRIVATE_URLS === 'true',
      timeoutMs: values.WEBHOOK_TIMEOUT,
    },
    http: {
      bodyLimitBytes: values.BODY_LIMIT_BYTES,
      maxHeaderSizeBytes: values.MAX_HEADER_SIZE,
      rateLimitPerMinute: values.RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: values.REQUEST_TIMEOUT,
      trpcMaxBatch: values.TRPC_MAX_BATCH,
      trpcFastPath: values.TRPC_FAST_PATH === 'on',
      corsOrigins: values.CORS_ORIGINS,
      hstsMaxAgeSeconds: values.HSTS_MAX_AGE === null ? null : Math.round(values.HSTS_MAX_AGE / 1000),
    },
  };
}

/** For entry points: a bad setting ends the process with its message alone, not a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
