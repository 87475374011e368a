import { type Context, invokeProcedure } from '@campaigns/api';
import { isTrackedEnvelope, type TRPCError } from '@trpc/server';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Heartbeat comment interval: API.md asks for one at least every 15 s. */
export const STREAM_HEARTBEAT_MS = 15_000;

const firstValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * `GET /v1/messaging/events/stream`: the tRPC subscription `campaigns.onEvent` (the same middlewares,
 * scope and input rules) written as `text/event-stream`. Each event is `id: <event id>` and
 * `data: <event JSON>`; `Last-Event-ID` resumes after that event; a `: ping` comment every 15 s keeps
 * proxies from closing an idle stream. A refusal before the stream starts (401, 403, 400 for an unknown
 * Last-Event-ID, 429) is an ordinary error answer; a failure after it started ends the stream, and the
 * client reconnects with Last-Event-ID.
 */
export async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: Context,
  sendError: (error: unknown) => FastifyReply,
): Promise<FastifyReply | undefined> {
  const abort = new AbortController();
  request.raw.on('close', () => abort.abort());
  const lastEventId = firstValue(request.headers['last-event-id']);
  let events: AsyncIterable<unknown>;
  try {
    events = (await invokeProcedure({
      path: 'campaigns.onEvent',
      type: 'subscription',
      ctx,
      rawInput: () => ({
        ...(request.query as Record<string, unknown>),
        ...(lastEventId !== undefined ? { lastEventId } : {}),
      }),
      signal: abort.signal,
    })) as AsyncIterable<unknown>;
  } catch (cause) {
    abort.abort();
    return sendError(cause as TRPCError);
  }

  // Security and rate-limit headers set so far go out with the stream's own.
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    ...(ctx.responseHeaders ?? {}),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = async (chunk: string) => {
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  };
  await write(': connected\n\n');
  const heartbeat = setInterval(() => void write(': ping\n\n').catch(() => undefined), STREAM_HEARTBEAT_MS);
  try {
    for await (const value of events) {
      if (abort.signal.aborted) break;
      if (!isTrackedEnvelope(value)) continue;
      const [id, data] = value;
      await write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  } catch {
    // The database went away, say: end the stream; the client resumes from its Last-Event-ID.
  } finally {
    clearInterval(heartbeat);
    abort.abort();
    response.end();
  }
  return undefined;
}
