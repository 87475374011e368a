import type { Context } from '@campaigns/api';
import type { FastifyRequest } from 'fastify';

export type CreateContext = (opts: {
  req: { headers: FastifyRequest['headers']; ip?: string; id?: string };
}) => Promise<Context>;

/** A request's one context (its token verified once), whichever hook or handler asks first. */
export type ContextOf = (request: FastifyRequest) => Promise<Context>;

/**
 * Memoizes the context per request: the surfaces verify the token in `onRequest`, before the body is
 * read (API.md, Limits: authentication before any work proportional to the body), and the handler or
 * tRPC's adapter later gets the same context.
 */
export function contextPerRequest(createContext: CreateContext): ContextOf {
  const contexts = new WeakMap<FastifyRequest, Promise<Context>>();
  return (request) => {
    let context = contexts.get(request);
    if (context === undefined) {
      context = createContext({ req: { headers: request.headers, ip: request.ip, id: request.id } });
      contexts.set(request, context);
    }
    return context;
  };
}
