import { createJwtVerifier, type TokenVerifier } from '@campaigns/core';
import type { Logger } from 'pino';
import type { Config } from './config';

/**
 * The server's access-token verifier from the configuration: HS256 with the configured (or development)
 * secret, RS256/ES256 through JWT_JWKS_URL, or both. Failures to fetch the key set are logged (the URL
 * only, never a token); the request itself gets a 401.
 */
export function createTokenVerifier(config: Config, logger: Logger): TokenVerifier {
  const { auth } = config;
  return createJwtVerifier({
    ...(config.jwtSecret !== undefined ? { hs256Secret: config.jwtSecret } : {}),
    ...(auth.jwksUrl !== undefined
      ? { jwksUrl: auth.jwksUrl, jwksCacheMaxAgeMs: auth.jwksCacheMaxAgeMs }
      : {}),
    ...(auth.issuer !== undefined ? { issuer: auth.issuer } : {}),
    ...(auth.audience !== undefined ? { audience: auth.audience } : {}),
    clockToleranceSeconds: auth.clockToleranceSeconds,
    onKeySetError: (error) =>
      logger.warn(
        { jwksUrl: auth.jwksUrl, error: error instanceof Error ? error.message : String(error) },
        'could not fetch the JWKS; tokens signed with its keys are refused meanwhile',
      ),
  });
}

/** What the startup log says about token verification (no secrets). */
export const describeAuth = (config: Config) => ({
  hs256: config.jwtSecret !== undefined,
  jwksUrl: config.auth.jwksUrl ?? null,
  issuer: config.auth.issuer ?? null,
  audience: config.auth.audience ?? null,
  clockToleranceSeconds: config.auth.clockToleranceSeconds,
});
