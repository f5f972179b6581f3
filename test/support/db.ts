// Test helpers: per-test PostgreSQL databases and temp directories.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates a uniquely named database (`silkgate_t_<random>`) on the server behind `baseUrl`
 * (typically inject('pgUrl')) and returns its URL. drop() terminates its connections and drops it.
 */
export async function freshPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `silkgate_t_${randomBytes(6).toString('hex')}`;
  await withClient(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    async drop() {
      if (dropped) return;
      await withClient(baseUrl, async (c) => {
        for (let attempt = 1; ; attempt++) {
          await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (err) {
            // 55006 object_in_use: a client reconnected or had not gone yet.
            if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      });
      dropped = true;
    },
  };
}

/** A fresh directory under os.tmpdir(); cleanup() removes it with everything in it. */
export function tempDir(prefix = 'silkgate-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
