/**
 * tRPC for this API: initialisation (transformer, error formatter) in trpc/init.ts, one middleware per
 * concern (domain errors, rate limit, idempotency) beside it, and the procedure builders in
 * trpc/procedures.ts.
 */
export { type Meta, router } from './trpc/init';
export { scopedProcedure } from './trpc/procedures';
