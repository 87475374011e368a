import { transformer } from '@campaigns/contract';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context';
import { DomainError, forbidden, unauthorized } from './domain/errors';
import { toErrorBody, toTrpcError } from './errors/mapping';
import type { Actor } from './services/deps';

/** Procedure metadata: the REST route and, where it is not 200, the REST success status. */
export type Meta = OpenApiMeta<{ successStatus?: 200 | 201 }>;

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    // Never put stack traces in responses, whatever NODE_ENV says.
    isDev: false,
    errorFormatter({ shape, error }) {
      const body = toErrorBody(error);
      return {
        ...shape,
        message: body.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          error: body.error,
          details: body.details,
        },
      };
    },
  });

export const router = t.router;

/** Domain errors thrown by services become tRPC errors with the mapped code, in one place. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTrpcError(result.error.cause);
  return result;
});

const publicProcedure = t.procedure.use(domainErrors);

const AUTH_MESSAGES = {
  missing: 'Missing bearer token',
  malformed: 'Malformed Authorization header; expected "Bearer <token>"',
  invalid: 'Invalid bearer token',
  expired: 'Bearer token has expired',
} as const;

/** Requires a verified token carrying `scope`; exposes the caller as `ctx.actor`. */
export const scopedProcedure = (scope: string) =>
  publicProcedure.use(({ ctx, next }) => {
    if (!ctx.auth.ok) throw unauthorized(AUTH_MESSAGES[ctx.auth.failure]);
    if (!ctx.auth.principal.scopes.has(scope)) throw forbidden(scope);
    const actor: Actor = { sub: ctx.auth.principal.sub, brandId: ctx.auth.principal.brandId };
    return next({ ctx: { actor } });
  });
