import {
  type Context,
  invokeProcedure,
  PROCEDURE_TYPES,
  type ProcedureType,
  TRPC_CONFIG,
} from '@campaigns/api';
import { getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError, transformTRPCResponse } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * tRPC's HTTP protocol for the calls our clients make — `httpLink` and `httpBatchLink`: queries as GET
 * with `?input=`, mutations as POST with a JSON body, one call or a batch (`?batch=1`, `a,b` in the
 * path) — answered without tRPC's fetch-API adapter, which builds a `Request`, an `AbortSignal` and a
 * streamed `Response` for every call (docs/performance.md). The procedures are called exactly as the
 * adapter calls them (`callTRPCProcedure`, same context, same error shapes and statuses).
 *
 * Anything else — a procedure that does not exist, the wrong method for it, input that is not JSON or
 * not superjson, streaming (`trpc-accept: application/jsonl`), other media types — is left to tRPC's own
 * adapter (`handled: false`), decided before any procedure runs, so every error answer there is tRPC's.
 */

const config = TRPC_CONFIG;

const METHOD_OF_TYPE = { query: 'GET', mutation: 'POST' } as const;
/**
 * Procedure paths as our clients write them (after Fastify has decoded the path parameter once); anything
 * else, e.g. an escape left after that decoding, which the adapter decodes a second time, goes to it.
 */
const PLAIN_PATH = /^[A-Za-z0-9_.,]+$/;

interface Call {
  path: string;
  type: ProcedureType;
  input: unknown;
}

type RpcResponse = { result: { data: unknown } } | { error: ReturnType<typeof getTRPCErrorShape> };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function hasJsonBody(request: FastifyRequest): boolean {
  const contentType = request.headers['content-type'];
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

function wantsStream(request: FastifyRequest): boolean {
  const { accept } = request.headers;
  return (
    request.headers['trpc-accept'] !== undefined ||
    accept?.split(',').some((type) => type.trim() === 'application/jsonl') === true
  );
}

/** The raw (still superjson-encoded) input of a GET or POST, or `undefined` when there is none. */
function rawInputOf(request: FastifyRequest, query: URLSearchParams): { ok: boolean; value: unknown } {
  const text = request.method === 'GET' ? (query.get('input') ?? undefined) : request.body;
  if (request.method === 'GET' && (text === undefined || text === '')) return { ok: true, value: undefined };
  if (typeof text !== 'string') return { ok: false, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, value: undefined };
  }
}

/**
 * The query string as the adapter reads it (`URLSearchParams`). Not Fastify's `request.query`: its parser
 * keeps a whole value undecoded when one escape in it is malformed, which can leave different JSON.
 */
function searchParamsOf(request: FastifyRequest): URLSearchParams {
  const start = request.url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : request.url.slice(start + 1));
}

/**
 * The calls of a request this module can answer, or `undefined` to leave it to tRPC's adapter. With
 * `withoutInput` the body (not read yet) and `?input=` are ignored: every call gets no input.
 */
function callsOf(
  request: FastifyRequest,
  pathParameter: string,
  withoutInput: boolean,
): { isBatch: boolean; calls: Call[] } | undefined {
  const { method } = request;
  if (method !== 'GET' && method !== 'POST') return undefined;
  if (method === 'POST' && !hasJsonBody(request)) return undefined;
  if (wantsStream(request) || !PLAIN_PATH.test(pathParameter)) return undefined;
  const query = searchParamsOf(request);
  // Read as the adapter reads them; a repeated one (`?batch=1&batch=1`) is left to the adapter.
  if (query.has('connectionParams') || query.getAll('batch').length > 1 || query.getAll('input').length > 1) {
    return undefined;
  }

  const isBatch = query.get('batch') === '1';
  const paths = isBatch ? pathParameter.split(',') : [pathParameter];
  const raw = withoutInput ? { ok: true, value: undefined } : rawInputOf(request, query);
  if (!raw.ok) return undefined;
  // A batch's input is `{"0": …, "1": …}`; one call's input is the value itself.
  const batchInputs = isObject(raw.value) ? raw.value : raw.value === undefined ? {} : undefined;
  if (isBatch && batchInputs === undefined) return undefined;

  const calls: Call[] = [];
  try {
    for (const [index, path] of paths.entries()) {
      const type = PROCEDURE_TYPES.get(path);
      if ((type !== 'query' && type !== 'mutation') || METHOD_OF_TYPE[type] !== method) return undefined;
      const encoded = isBatch ? batchInputs?.[index] : raw.value;
      calls.push({
        path,
        type,
        input: encoded === undefined ? undefined : config.transformer.input.deserialize(encoded),
      });
    }
  } catch {
    return undefined; // input that superjson cannot decode: tRPC's adapter answers it
  }
  return { isBatch, calls };
}

/** The answer of a call not started because its client went away. */
function notStarted({ type, path, input }: Call, ctx: Context): RpcResponse {
  const error = new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: 'The client went away' });
  return { error: getTRPCErrorShape({ config, error, type, path, input, ctx }) };
}

export interface FastPathOptions {
  contextOf: (request: FastifyRequest) => Promise<Context>;
  onError: (error: TRPCError, request: FastifyRequest) => void;
  /** Calls of one batch in flight at once, so that one large batch cannot take every connection. */
  maxConcurrency: number;
  /** Calls one batch may hold (TRPC_MAX_BATCH); a longer batch is left to the adapter, which refuses it. */
  maxBatchSize: number;
  /** The response headers of a call, as tRPC's adapter gets them from its `responseMeta` (trpc.ts). */
  responseMeta: (ctx: Context) => { headers: Record<string, string> };
  /** Answer without reading any input (the token failed: the procedures refuse before input). */
  withoutInput?: boolean;
}

/**
 * `fn` over `items` with at most `limit` in flight, results in order. Once `signal` aborts no further
 * item starts: their results stay `undefined`.
 */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T, index: number) => Promise<R>,
) {
  const results = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length && !signal.aborted; index = next++)
      results[index] = await fn(items[index] as T, index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Answers a `/trpc/:path` request if it is one of the plain calls described above; `false` when it was
 * left untouched for tRPC's adapter.
 */
export async function answerPlainCalls(
  request: FastifyRequest,
  reply: FastifyReply,
  pathParameter: string,
  options: FastPathOptions,
): Promise<boolean> {
  const plain = callsOf(request, pathParameter, options.withoutInput === true);
  if (!plain) return false;
  const { isBatch, calls } = plain;
  if (calls.length > options.maxBatchSize) return false;
  let ctx: Context;
  try {
    ctx = await options.contextOf(request);
  } catch {
    return false;
  }

  const answer = async (call: Call, batchIndex: number, signal?: AbortSignal): Promise<RpcResponse> => {
    try {
      const data: unknown = await invokeProcedure({
        path: call.path,
        type: call.type,
        ctx,
        rawInput: () => call.input,
        ...(signal ? { signal } : {}),
        batchIndex,
      });
      return { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError(error, request);
      const { type, path, input } = call;
      return { error: getTRPCErrorShape({ config, error, type, path, input, ctx }) };
    }
  };

  let responses: RpcResponse[];
  if (!isBatch) {
    // One call: nothing behind it to leave unstarted, and no query or mutation reads `signal` (only the
    // subscription, which is not a plain call), so it runs without the batch's abort wiring (~5 µs).
    responses = [await answer(calls[0] as Call, 0)];
  } else {
    // As the adapter does, a client that goes away aborts its calls' `signal`; and since a batch runs
    // `maxConcurrency` calls at a time, the calls not started yet are not started at all (no one would
    // read their answers; a client that retries with its Idempotency-Key gets a consistent outcome).
    const aborted = new AbortController();
    const abort = () => {
      if (!reply.raw.writableFinished) aborted.abort();
    };
    reply.raw.once('close', abort);
    const answers = await mapLimited(calls, options.maxConcurrency, aborted.signal, (call, batchIndex) =>
      answer(call, batchIndex, aborted.signal),
    );
    reply.raw.off('close', abort);
    // Written to a connection that is gone; Fastify still wants the request answered.
    responses = answers.map(
      (answered, index): RpcResponse => answered ?? notStarted(calls[index] as Call, ctx),
    );
  }

  const body = isBatch ? responses : responses[0];
  // A path always names at least one procedure (PLAIN_PATH), so a single call has its response.
  if (body === undefined) throw new Error('a tRPC request without calls');
  await reply
    .code(getHTTPStatusCode(body))
    .headers({ vary: 'trpc-accept, accept', ...options.responseMeta(ctx).headers })
    .header('content-type', 'application/json')
    .send(JSON.stringify(transformTRPCResponse(config, body)));
  return true;
}
