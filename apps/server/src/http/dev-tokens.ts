import { signToken } from '@campaigns/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

const DevTokenRequestSchema = z.strictObject({
  brand_id: z.string().min(1).max(128),
  sub: z.string().min(1).max(128),
});

/**
 * Development sign-in for the web app: `POST /dev/token {brand_id, sub}` mints a token signed with the
 * development secret, and `GET /dev/token` (204) tells the app that it can. Registered only when the
 * server itself runs with that secret, never in production, where both are 404 (`/dev` is an API path,
 * so it never falls back to the web app); the secret never leaves the server.
 */
export function devTokensPlugin(secret: string) {
  return async function devTokens(scope: FastifyInstance): Promise<void> {
    scope.get('/dev/token', async (_request, reply) => reply.code(204).send());
    scope.post('/dev/token', async (request, reply) => {
      const parsed = DevTokenRequestSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply
          .code(400)
          .send({ error: 'validation_failed', message: 'brand_id and sub are required', details: {} });
      }
      const token = await signToken(secret, { brandId: parsed.data.brand_id, sub: parsed.data.sub });
      return { token };
    });
  };
}
