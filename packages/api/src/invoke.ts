import { callTRPCProcedure } from '@trpc/server';
import type { Context } from './context';
import type { ProcedureType } from './procedure-meta';
import { appRouter } from './router';

/** One call of one procedure, however it arrived (REST route, tRPC fast path, REST event stream). */
export interface Invocation {
  /** The procedure's path, e.g. `campaigns.get`. */
  path: string;
  type: ProcedureType;
  ctx: Context;
  /** The input as sent; read only when the procedure asks (after its auth checks). */
  rawInput: () => unknown;
  /** Aborted when the caller went away. */
  signal?: AbortSignal;
  /** The call's index in a tRPC batch; 0 otherwise. */
  batchIndex?: number;
}

/**
 * Runs a procedure exactly as tRPC's own adapters do — its middlewares, input and output schemas — and
 * resolves to its result or rejects with its error (a TRPCError whose cause is the domain error).
 */
export const invokeProcedure = ({ path, type, ctx, rawInput, signal, batchIndex = 0 }: Invocation) =>
  callTRPCProcedure({
    router: appRouter,
    path,
    type,
    ctx,
    getRawInput: async () => rawInput(),
    signal,
    batchIndex,
  });
