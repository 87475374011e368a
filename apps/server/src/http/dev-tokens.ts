import { errorResponse } from '@campaigns/api';
import { signToken } from '@campaigns/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

const DevTokenRequestSchema = z.strictObject({
  brand_id: z.string().min(1).max(128),
  sub: z.string().min(1).max(128),
});

/**
 * Development sign-in for the web app: `POST /dev/token {brand_id, sub}` mints a token signed with the
 * development secret (`GET /dev/sign-in` tells the app that it can). Registered only when the server
 * itself runs with that secret, never in production, where it is 404 (`/dev` is an API path, so it never
 * falls back to the web app); the secret never leaves the server.
 */
/**
 * `GET /dev/sign-in`: `{dev_sign_in: true|false}`, on every server. The web app asks it rather than probing
 * `/dev/token`, so that a production server's answer is a 200, not a 404 the browser logs as an error.
 */
export function devSignInProbePlugin(available: boolean) {
  return async function devSignInProbe(scope: FastifyInstance): Promise<void> {
    scope.get('/dev/sign-in', async (_request, reply) =>
      reply.header('cache-control', 'no-store').send({ dev_sign_in: available }),
    );
  };
}

export function devTokensPlugin(secret: string) {
  return async function devTokens(scope: FastifyInstance): Promise<void> {
    scope.post('/dev/token', async (request, reply) => {
      const parsed = DevTokenRequestSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const { status, body } = errorResponse('validation_failed', 'brand_id and sub are required');
        return reply.code(status).send(body);
      }
      const token = await signToken(secret, { brandId: parsed.data.brand_id, sub: parsed.data.sub });
      return { token };
    });
  };
}
