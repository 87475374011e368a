import { forbidden, unauthorized } from '../domain/errors';
import type { Actor } from '../services/deps';
import { domainErrors } from './domain-errors';
import { idempotent } from './idempotency';
import { baseProcedure } from './init';
import { rateLimited } from './rate-limit';

const publicProcedure = baseProcedure.use(domainErrors).use(rateLimited);

const AUTH_MESSAGES = {
  missing: 'Missing bearer token',
  malformed: 'Malformed Authorization header; expected "Bearer <token>"',
  invalid: 'Invalid bearer token',
  expired: 'Bearer token has expired',
} as const;

/** Requires a verified token carrying `scope`; exposes the caller as `ctx.actor`. */
export const scopedProcedure = (scope: string) =>
  publicProcedure
    .use(({ ctx, next }) => {
      if (!ctx.auth.ok) throw unauthorized(AUTH_MESSAGES[ctx.auth.failure]);
      if (!ctx.auth.principal.scopes.has(scope)) throw forbidden(scope);
      const actor: Actor = { sub: ctx.auth.principal.sub, brandId: ctx.auth.principal.brandId };
      return next({ ctx: { actor } });
    })
    .use(idempotent);
