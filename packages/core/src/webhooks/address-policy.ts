import { isIP } from 'node:net';

/**
 * Where a webhook may never connect (API.md, Webhooks): loopback, private, link-local (which holds the
 * cloud metadata address 169.254.169.254), carrier-grade NAT, unspecified and multicast ranges, in IPv4
 * and IPv6 (IPv4-mapped addresses included). Checked on the address actually connected to, after DNS,
 * so a name that resolves (or rebinds) to one is refused too.
 */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbiddenV4(address);
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return forbiddenV4(mapped[1]!);
    return (
      lower === '::' ||
      lower === '::1' ||
      /^f[cd][0-9a-f]{2}:/.test(lower) || // fc00::/7 unique local
      /^fe[89ab][0-9a-f]:/.test(lower) || // fe80::/10 link-local
      /^ff[0-9a-f]{2}:/.test(lower) // multicast
    );
  }
  return true;
}

function forbiddenV4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}
