import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isForbiddenAddress } from './address-policy';

export interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

// Kept-alive connections per process: a busy endpoint is not a TCP handshake per delivery. A new
// connection still goes through the guarded lookup below.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** A DNS lookup that refuses forbidden addresses: the check is on what the socket will connect to. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    const allowed = list.filter((entry) => !isForbiddenAddress(entry.address));
    if (allowed.length === 0) {
      return callback(
        Object.assign(new Error(`refused address for ${hostname}`), { code: 'EFORBIDDEN' }),
        '',
        0,
      );
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    const first = allowed[0]!;
    callback(null, first.address, first.family);
  });
};

/**
 * POSTs one webhook: no redirects followed (node:http never does), `timeoutMs` for the whole exchange,
 * the body of the answer drained but not kept. `allowPrivate` (development and tests only) lifts the
 * address rules.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostOutcome> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): PostOutcome => ({
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(done(null, 'invalid URL'));
      return;
    }
    const secure = target.protocol === 'https:';
    const client = secure ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
        agent: secure ? agents.https : agents.http,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(done(response.statusCode ?? null, null)));
        response.on('error', () => resolve(done(response.statusCode ?? null, null)));
      },
    );
    const timer = setTimeout(() => request.destroy(new Error('timeout')), options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve(done(null, error.message === 'timeout' ? 'timeout' : (error.code ?? error.message)));
    });
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}
