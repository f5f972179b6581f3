/** SQLite (better-sqlite3) as the platform runs it. */
import SQLite from 'better-sqlite3';

/** WAL with synchronous=FULL: a commit is on disk when it returns, so a 2xx survives a power cut. */
export function configureSqlite(db: SQLite.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
}

/**
 * Kysely prepares every query anew; preparing costs more than running a small statement.
 * Statements are reusable, and the set of SQL texts the platform issues is small, so keep them.
 * Transactions begin IMMEDIATE: taking the write lock up front means a transaction that reads
 * then writes waits for another writer instead of failing with SQLITE_BUSY.
 */
export function statementCache(db: SQLite.Database, max = 512): (sql: string) => SQLite.Statement {
  const cache = new Map<string, SQLite.Statement>();
  return (text: string) => {
    const sql = text === 'begin' ? 'begin immediate' : text;
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}

/** A better-sqlite3 database with the platform's settings and the statement cache, for Kysely's SqliteDialect. */
export function sqliteDatabase(file: string) {
  const db = new SQLite(file);
  configureSqlite(db);
  const prepare = statementCache(db);
  return { close: () => db.close(), prepare };
}
