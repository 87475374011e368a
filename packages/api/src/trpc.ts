/**
 * tRPC for this API: initialisation (transformer, error formatter) in trpc/init.ts, one module per
 * concern (domain errors, rate limit, idempotency) beside it, and the procedure builder that chains them
 * in trpc/procedures.ts.
 */

export { replayOr } from './trpc/idempotency';
export { type Meta, router } from './trpc/init';
export { scopedProcedure } from './trpc/procedures';
