import { z } from 'zod';

/** A development-only secret: tokens signed with it are worthless anywhere else. */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-0123456789';

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  DISPATCHER: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  jwtSecret: string;
  /** True when no JWT_SECRET was given and the development secret is in use. */
  usingDevSecret: boolean;
  dispatcher: boolean;
  logLevel: string;
}

/** Reads the environment (API.md, Running). Throws a readable error for a bad or missing setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  if (values.NODE_ENV === 'production' && values.JWT_SECRET === undefined) {
    throw new Error('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  return {
    nodeEnv: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    jwtSecret: values.JWT_SECRET ?? DEV_JWT_SECRET,
    usingDevSecret: values.JWT_SECRET === undefined,
    dispatcher: values.DISPATCHER === 'on',
    logLevel: values.LOG_LEVEL,
  };
}
