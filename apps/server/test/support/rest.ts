/** A thin REST caller for tests: real HTTP, raw status, headers and parsed body. */
export interface RestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RestRequest {
  token?: string;
  /** A value to JSON-encode, or a raw string sent as-is. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export function restClient(baseUrl: string) {
  return async function call<T = unknown>(
    method: string,
    path: string,
    request: RestRequest = {},
  ): Promise<RestResponse<T>> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    let body: string | undefined;
    if (request.raw !== undefined) body = request.raw;
    else if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
}

export type Rest = ReturnType<typeof restClient>;
