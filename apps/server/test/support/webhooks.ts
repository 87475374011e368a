import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Test helpers for webhooks (no vitest imports: the web app's e2e test uses them too). */
export { WebhookWorker } from '@campaigns/core';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A receiver on loopback that records every request and answers `status()` (never, when null),
 * `delayMs` after it arrived (recorded when answered).
 */
export async function startReceiver(
  status: () => number | null = () => 204,
  options: { delayMs?: number } = {},
) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const answer = () => {
        received.push({ headers: request.headers, body });
        const code = status();
        if (code !== null) response.writeHead(code).end();
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
