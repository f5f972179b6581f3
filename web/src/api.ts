/**
 * The platform's API as the console calls it: same origin, the session cookie, the CSRF token on
 * every write. Errors keep the platform's shape — code, message and the issues naming field,
 * rule, expected and actual — so pages can show them field by field.
 */
export interface Issue {
  path: string;
  rule: string;
  expected: string;
  actual: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** Set by the session on login and on reload; sent as X-CSRF-Token on writes. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (XML, CSV) with its content type instead of JSON. */
  raw?: { data: BodyInit; type: string };
  signal?: AbortSignal;
}

async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['content-type'] = opts.raw.type;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  if (!res.ok) {
    let code = 'HTTP_' + res.status;
    let message = res.statusText;
    let issues: Issue[] = [];
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string; issues?: Issue[] } };
      if (j.error) {
        code = j.error.code ?? code;
        message = j.error.message ?? message;
        issues = j.error.issues ?? [];
      }
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, code, message, issues);
  }
  return res;
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(method, path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** A file download (CSV, XML) from an authenticated GET, handed to the browser. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await request('GET', path);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Query string from the set values of an object. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
