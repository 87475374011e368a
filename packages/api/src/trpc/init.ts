import { type BadStateReason, transformer } from '@campaigns/contract';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from '../context';
import { internalErrorBody, toErrorBody } from '../errors/bodies';

/**
 * Procedure metadata: the REST route, where it is not 200 the REST success status, and the scope the
 * procedure requires (set by `scopedProcedure`, read by the OpenAPI document's security requirements).
 */
export type Meta = OpenApiMeta<{
  successStatus?: 200 | 201 | 202;
  scope?: string;
  /** The 412 `details.reason` values the procedure can answer (the document's enum). */
  badStateReasons?: BadStateReason[];
  /**
   * How the procedure takes part in optimistic concurrency (API.md): `change` accepts `If-Match` and
   * answers with the campaign's `ETag`; `read` answers with it and honours `If-None-Match` (304);
   * `version` only answers with it.
   */
  versioning?: 'change' | 'read' | 'version';
}>;

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    // Never put stack traces in responses, whatever NODE_ENV says.
    isDev: false,
    // Live streams (campaigns.onEvent): a ping at least every 15 s (API.md, Live stream).
    sse: { ping: { enabled: true, intervalMs: 15_000 } },
    errorFormatter({ shape, error, ctx }) {
      // As on REST: an internal error says only which request to look for in the logs.
      const body = toErrorBody(error);
      if (body.error === 'internal') body.details = internalErrorBody(ctx?.requestId).details;
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
/** Calls procedures in-process, with a context of one's own (the rule tests, packages/api/test/rules). */
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;
export const baseProcedure = t.procedure;
