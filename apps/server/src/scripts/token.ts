/**
 * Prints a bearer token for the running configuration (JWT_SECRET, or the development secret).
 *   pnpm token --brand brand_demo --sub user_demo [--scope "messaging:campaigns:read"] [--expires 12h]
 */
import { parseArgs } from 'node:util';
import { SCOPES } from '@campaigns/contract';
import { signToken } from '@campaigns/core';
import { loadConfigOrExit } from '../config';

const { values } = parseArgs({
  options: {
    brand: { type: 'string', default: 'brand_demo' },
    sub: { type: 'string', default: 'user_demo' },
    // Development tokens carry every scope (API.md, Authentication).
    scope: { type: 'string', default: Object.values(SCOPES).join(' ') },
    expires: { type: 'string', default: '12h' },
  },
});

const config = loadConfigOrExit();
if (config.jwtSecret === undefined) {
  process.stderr.write(
    'error: JWT_SECRET is not set and JWT_JWKS_URL is: get tokens from your identity provider\n',
  );
  process.exit(1);
}
if (config.usingDevSecret) {
  process.stderr.write('warning: JWT_SECRET is not set; this token is signed with the development secret\n');
}
const token = await signToken(config.jwtSecret, {
  sub: values.sub,
  brandId: values.brand,
  scopes: values.scope.split(/[\s,]+/).filter(Boolean),
  expiresIn: values.expires,
});
process.stdout.write(`${token}\n`);
