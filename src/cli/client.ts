/** The CLI's side of the platform API: a tiny fetch client, errors, and where API keys come from. */
import fs from 'node:fs';
import path from 'node:path';

import { ROLES, type Role } from '../platform/access.ts';

export { ROLES, type Role };

/** A failure the CLI reports as one line; exitCode 2 for usage errors. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface Issue {
  path: string;
  rule: string;
  expected: string;
  actual: string;
}

/** A non-2xx answer of the platform, with its `{ error: { code, message, issues } }` body. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly issues: Issue[] = []) {
    super(message);
  }
}

export interface Reply {
  status: number;
  /** Parsed JSON body, or the text when the body is not JSON. */
  body: unknown;
}

export interface Client {
  readonly url: string;
  send(method: string, path: string, body?: Uint8Array, contentType?: string): Promise<Reply>;
  /** GET a JSON document; throws ApiError on a non-2xx answer. */
  json<T>(path: string): Promise<T>;
  /** GET the bytes of a document; throws ApiError on a non-2xx answer. */
  bytes(path: string): Promise<Buffer>;
}

export function formatIssue(i: Issue): string {
  return `${i.path || '(document)'} ${i.rule}: expected ${i.expected}, got ${i.actual}`;
}

/** The ApiError a non-2xx reply stands for. */
export function apiError(r: Reply): ApiError {
  const e = (r.body as { error?: { code?: string; message?: string; issues?: Issue[] } } | null)?.error;
  return new ApiError(r.status, e?.code ?? `HTTP_${r.status}`, e?.message ?? String(r.body ?? '').slice(0, 200), e?.issues ?? []);
}

/** "connect ECONNREFUSED 127.0.0.1:8080" rather than fetch's bare "fetch failed". */
export function networkMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  return cause?.message || cause?.code || (err as Error).message || String(err);
}

export function createClient(url: string, key: string): Client {
  const base = url.replace(/\/+$/, '');
  const call = async (method: string, p: string, body?: Uint8Array, contentType?: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (contentType) headers['content-type'] = contentType;
    try {
      // Buffers are plain ArrayBuffer-backed here; the DOM typing wants that spelled out.
      return await fetch(base + p, { method, headers, body: body as Uint8Array<ArrayBuffer> | undefined });
    } catch (err) {
      throw new CliError(`cannot reach ${base}: ${networkMessage(err)}`);
    }
  };
  const read = async (res: Response): Promise<Reply> => {
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    }
    return { status: res.status, body };
  };
  return {
    url: base,
    async send(method, p, body, contentType) {
      return read(await call(method, p, body, contentType));
    },
    async json<T>(p: string) {
      const r = await read(await call('GET', p));
      if (r.status >= 300) throw apiError(r);
      return r.body as T;
    },
    async bytes(p) {
      const res = await call('GET', p);
      if (res.status >= 300) throw apiError(await read(res));
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

export interface Credential {
  role: Role;
  code: string;
  name: string;
  dxpId: string;
  apiKey: string;
}

export function credentialsFile(dataDir: string): string {
  return path.resolve(dataDir, 'demo-credentials.json');
}

/** The demo key of `role` from <dataDir>/demo-credentials.json (written by the platform's demo zone). */
export function demoKey(dataDir: string, role: string): string {
  if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`unknown role "${role}": use one of ${ROLES.join(', ')}`, 2);
  const file = credentialsFile(dataDir);
  let creds: Credential[];
  try {
    creds = JSON.parse(fs.readFileSync(file, 'utf8')) as Credential[];
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    throw new CliError(`cannot read demo credentials ${file}: ${why} (the platform writes it when it creates the demo zone; point --data-dir or SILKGATE_DATA_DIR at its data directory)`, 2);
  }
  const hit = Array.isArray(creds) ? creds.find((c) => c.role === role) : undefined;
  if (!hit?.apiKey) throw new CliError(`no ${role} key in ${file}`, 2);
  return hit.apiKey;
}

export const NO_KEY_HINT = [
  'no API key. Give one in one of three ways:',
  '  --key <apiKey>',
  '  SILKGATE_API_KEY=<apiKey> in the environment',
  `  --as <role>   the demo zone's key of a role (${ROLES.join(', ')}),`,
  '                read from <data dir>/demo-credentials.json (--data-dir, SILKGATE_DATA_DIR, default ./data)',
].join('\n');

/** Option values as parsed (no option of the CLI may be repeated). */
export type Values = Record<string, string | boolean | undefined>;

/** What main.ts hands to a command: global options resolved. */
export interface Context {
  url: string;
  dataDir: string;
  json: boolean;
  /** The key of --key, --as or SILKGATE_API_KEY; a CliError (exit 2) with the hint when there is none. */
  key(): string;
  /** The demo key of a role. */
  keyFor(role: string): string;
  client(key: string): Client;
}
