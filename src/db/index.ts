/**
 * Opens the database: embedded SQLite (WAL, synchronous=FULL so an acknowledged message
 * survives a power cut) by default, PostgreSQL when given a postgres:// URL. The same Kysely
 * code runs on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrate.ts';
import { sqliteDatabase } from './sqlite.ts';

export type { Database } from './schema.ts';
export type Dialect = 'sqlite' | 'postgres';

/** A unique index refused the row (SQLite or PostgreSQL): a concurrent request got there first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT_UNIQUE'));
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable location, for logs. */
  where: string;
  close(): Promise<void>;
}

// int8 (ids, millisecond timestamps) as numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface OpenOptions {
  url?: string;
  dataDir: string;
  poolSize?: number;
  onIdleError?: (err: Error) => void;
}

export async function openDb(opts: OpenOptions): Promise<Db> {
  let db: Db;
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    // An idle connection dropped by the server (restart, failover) is replaced on next use;
    // without a listener the pool's 'error' event would end the process.
    pool.on('error', (err) => opts.onIdleError?.(err));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    db = { kysely, dialect: 'postgres', where: redact(opts.url), close: () => kysely.destroy() };
  } else {
    const file = opts.url?.startsWith('sqlite:') ? opts.url.slice('sqlite:'.length) : path.join(opts.dataDir, 'silkgate.db');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteDatabase(file) }) });
    db = { kysely, dialect: 'sqlite', where: path.resolve(file), close: () => kysely.destroy() };
  }
  await migrateToLatest(db.kysely, db.dialect);
  return db;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
