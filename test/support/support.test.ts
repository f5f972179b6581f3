// Proves the test harness itself works: the throwaway PostgreSQL, per-test databases, XSD validation.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { freshPostgresDatabase, tempDir } from './db.ts';
import { sharedDir, validateWithXsd, xsdPath } from './xmllint.ts';

const pgUrl = inject('pgUrl');

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(pgUrl === null)('PostgreSQL harness', () => {
  const url = pgUrl as string;

  it('provides a reachable PostgreSQL and exports it to child processes', async () => {
    const [row] = await query<{ version: string }>(url, 'select version() as version');
    expect(row.version).toContain('PostgreSQL');
    expect(process.env.SILKGATE_TEST_DATABASE_URL).toBe(url);
  });

  it('freshPostgresDatabase creates a usable database and drop() removes it', async () => {
    const db = await freshPostgresDatabase(url);
    const name = new URL(db.url).pathname.slice(1);
    expect(name).toMatch(/^silkgate_t_[0-9a-f]+$/);

    // Leave a connection open: drop() must cope with it.
    const lingering = new pg.Client({ connectionString: db.url });
    lingering.on('error', () => {});
    await lingering.connect();
    await lingering.query('create table t (id int primary key, v text)');
    await lingering.query("insert into t values (1, 'x')");
    expect(await query(db.url, 'select v from t')).toEqual([{ v: 'x' }]);

    await db.drop();
    await lingering.end().catch(() => {});
    expect(await query(url, 'select 1 from pg_database where datname = $1', [name])).toEqual([]);
  });

  it('hands out distinct databases', async () => {
    const [a, b] = await Promise.all([freshPostgresDatabase(url), freshPostgresDatabase(url)]);
    try {
      expect(a.url).not.toBe(b.url);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});

describe('XSD validation', () => {
  it('finds the official schemas beside the project', () => {
    expect(existsSync(join(sharedDir(), 'ceb', 'xsd'))).toBe(true);
    for (const s of ['import', 'export', 'dxp-terminal', 'dxp-transport'] as const) expect(existsSync(xsdPath(s))).toBe(true);
  });

  it('accepts the valid official import sample CEB311', () => {
    const xml = readFileSync(join(sharedDir(), 'ceb/samples/import/CEB311Message.xml'));
    const r = validateWithXsd(xml, 'import');
    expect(r.errors).not.toMatch(/error/i);
    expect(r.ok).toBe(true);
  });

  it('rejects the invalid official export sample CEB303 (two BaseTransfer elements)', () => {
    const xml = readFileSync(join(sharedDir(), 'ceb/samples/export/CEB303Message.xml'), 'utf8');
    const r = validateWithXsd(xml, 'export');
    expect(r.ok).toBe(false);
    expect(r.errors).toContain('BaseTransfer');
  });

  it('rejects malformed XML', () => {
    expect(validateWithXsd('<ceb:CEB311Message', 'import').ok).toBe(false);
  });
});

describe('tempDir', () => {
  it('creates a directory and cleanup() removes it', () => {
    const d = tempDir();
    writeFileSync(join(d.path, 'f.txt'), 'x');
    expect(existsSync(join(d.path, 'f.txt'))).toBe(true);
    d.cleanup();
    expect(existsSync(d.path)).toBe(false);
  });
});
