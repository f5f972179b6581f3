/**
 * Starts a real platform in-process for a test: real HTTP on a free port, a real database
 * (SQLite in a temp dir, or a fresh PostgreSQL database), the sandbox customs.
 */
import fs from 'node:fs';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { DemoCredential } from '../../src/modules/enterprises/index.ts';
import { freshPostgresDatabase, tempDir } from './db.ts';

export type DbKind = 'sqlite' | 'postgres';

/** The databases the suite runs on: SQLite always, PostgreSQL unless SILKGATE_TEST_PG=0. */
export function databases(): DbKind[] {
  return inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface Platform {
  app: App;
  url: string;
  dataDir: string;
  creds: DemoCredential[];
  key(role: DemoCredential['role']): string;
  request(method: string, path: string, opts?: { key?: string; body?: string | Buffer; type?: string }): Promise<{ status: number; json: () => unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startPlatform(kind: DbKind, env: Record<string, string> = {}): Promise<Platform> {
  const dir = tempDir();
  let drop: (() => Promise<void>) | null = null;
  let databaseUrl: string | undefined;
  if (kind === 'postgres') {
    const base = inject('pgUrl');
    if (!base) throw new Error('PostgreSQL is not available for this run');
    const fresh = await freshPostgresDatabase(base);
    databaseUrl = fresh.url;
    drop = fresh.drop;
  }
  const config = loadConfig({
    SILKGATE_DATA_DIR: dir.path,
    SILKGATE_SANDBOX_DELAY_MS: '5',
    SILKGATE_LOG_LEVEL: 'error',
    ...(databaseUrl ? { SILKGATE_DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const app = await createApp(config, { webhookPollMs: 20, webhookBackoffMs: 20, forwarderPollMs: 20 });
  await app.startWorkers();
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.http.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const creds = JSON.parse(fs.readFileSync(app.demoCredentialsFile!, 'utf8')) as DemoCredential[];
  return {
    app,
    url,
    dataDir: dir.path,
    creds,
    key: (role) => creds.find((c) => c.role === role)!.apiKey,
    async request(method, path, opts = {}) {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/xml' } : {}),
        },
        body: typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body),
      });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
    },
    async close() {
      await app.close();
      if (drop) await drop();
      dir.cleanup();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
