/**
 * Opens the database: embedded SQLite (WAL, synchronous=FULL so an acknowledged message
 * survives a power cut) by default, PostgreSQL when given a postgres:// URL. The same Kysely
 * code runs on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrate.ts';

export type { Database } from './schema.ts';
export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable location, for logs. */
  where: string;
  close(): Promise<void>;
}

// int8 (ids, millisecond timestamps) as numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDb(opts: { url?: string; dataDir: string; poolSize?: number }): Promise<Db> {
  let db: Db;
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    db = { kysely, dialect: 'postgres', where: redact(opts.url), close: () => kysely.destroy() };
  } else {
    const file = opts.url?.startsWith('sqlite:') ? opts.url.slice('sqlite:'.length) : path.join(opts.dataDir, 'silkgate.db');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    db = { kysely, dialect: 'sqlite', where: path.resolve(file), close: () => kysely.destroy() };
  }
  await migrateToLatest(db.kysely, db.dialect);
  return db;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
