/**
 * Development sign-in. A server running with its development JWT secret offers `/dev/token`; any other
 * server answers 404. The secret itself never reaches the browser: the server signs, the app only asks.
 */

/** Whether this server offers development sign-in: `GET /dev/sign-in` says so on every server (200). */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    const response = await fetch('/dev/sign-in');
    if (!response.ok) return false;
    const body: unknown = await response.json();
    return (
      typeof body === 'object' && body !== null && (body as { dev_sign_in?: unknown }).dev_sign_in === true
    );
  } catch {
    return false;
  }
}

export async function requestDevToken(brandId: string, sub: string): Promise<string> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ brand_id: brandId, sub }),
  });
  if (response.status === 404) throw new Error('Development sign-in is not available on this server.');
  if (!response.ok) throw new Error('Enter a brand and a user name (each at most 128 characters).');
  const body: unknown = await response.json();
  const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined;
  if (typeof token !== 'string') throw new Error('The server answered without a token.');
  return token;
}
