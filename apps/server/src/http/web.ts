import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { noRouteResponse } from '@campaigns/api';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths the API owns. They never fall back to the web app, so a mistyped API path stays a plain 404. */
const API_PATHS = ['/v1', '/trpc', '/docs', '/openapi.json', '/healthz', '/readyz', '/dev'];

const isApiPath = (path: string) =>
  API_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** Client-side screens (`/campaigns/cmp_…`) get index.html; a missing file (`/assets/old.js`) does not. */
const isAppScreen = (request: FastifyRequest) => {
  const path = request.url.split('?')[0] ?? '/';
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !isApiPath(path) &&
    !path.startsWith('/assets/')
  );
};

/**
 * Serves the built web app (apps/web/dist) at `/` from the API's own process: hashed assets cached for
 * good, index.html never cached (so a new build is picked up), and the single-page app's own URLs
 * answered with index.html. Register at the root, after the API routes:
 *
 *   await app.register(webAppPlugin(resolve('apps/web/dist')));
 */
export function webAppPlugin(root: string) {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`No built web app in ${root}; run \`pnpm --filter @campaigns/web build\` first`);
  }

  async function webApp(app: FastifyInstance): Promise<void> {
    await app.register(fastifyStatic, {
      root,
      index: 'index.html',
      // One route per file of the build, not a catch-all: a catch-all would answer every unmatched path,
      // /v1 ones included, with @fastify/static's own 403/404 bodies instead of the contract's.
      wildcard: false,
      cacheControl: false,
      setHeaders: (reply, path) => {
        const hashed = path.startsWith(join(root, 'assets'));
        reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });

    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      if (isAppScreen(request)) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      const { status, body } = noRouteResponse(request.method, request.url);
      return reply.code(status).send(body);
    });
  }

  // Not encapsulated (what fastify-plugin does): the 404 handler must be the root's to catch every path.
  return Object.assign(webApp, { [Symbol.for('skip-override')]: true });
}
