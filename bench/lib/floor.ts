/**
 * The floor: what one process does with the same bytes and no HTTP — parse with the project's
 * validating parser, then store durably (better-sqlite3, WAL, synchronous=FULL) in transactions
 * of up to 256 rows through one prepared statement. End-to-end ingest is compared with this.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { baseTransfer, parseDocument } from '../../src/ceb/index.ts';
import type { BenchMessage } from './workload.ts';

export interface FloorResult {
  messages: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  messagesPerSec: number;
  parseErrors: number;
  firstParseError?: string;
}

const BATCH = 256;

export function measureFloor(messages: BenchMessage[], warmup: number): FloorResult {
  const dir = mkdtempSync(join(tmpdir(), 'silkgate-floor-'));
  const db = new Database(join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE message (id INTEGER PRIMARY KEY, idem_key TEXT UNIQUE, body BLOB, message_type TEXT, guid TEXT)');
    const insert = db.prepare('INSERT INTO message (idem_key, body, message_type, guid) VALUES (?, ?, ?, ?)');
    type Row = [string, Buffer, string, string];
    const write = db.transaction((rows: Row[]) => {
      for (const r of rows) insert.run(r);
    });

    let parseErrors = 0;
    let firstParseError: string | undefined;
    const run = (slice: BenchMessage[]) => {
      let records = 0;
      for (let i = 0; i < slice.length; i += BATCH) {
        const rows: Row[] = [];
        for (const m of slice.slice(i, i + BATCH)) {
          const parsed = parseDocument(m.body);
          if (!parsed.ok) {
            parseErrors++;
            firstParseError ??= `${m.root}: ${JSON.stringify(parsed.issues.slice(0, 3))}`;
            continue;
          }
          const guid = String(parsed.doc.body.guid);
          const sender = baseTransfer(parsed.doc.body)?.copCode ?? '';
          rows.push([`${sender}|${parsed.doc.root}|${guid}`, m.body, parsed.doc.root, guid]);
          records += m.records;
        }
        write(rows);
      }
      return records;
    };

    run(messages.slice(0, warmup));
    const measured = messages.slice(warmup);
    const t0 = performance.now();
    const records = run(measured);
    const seconds = (performance.now() - t0) / 1000;
    return {
      messages: measured.length,
      records,
      seconds,
      recordsPerSec: records / seconds,
      messagesPerSec: measured.length / seconds,
      parseErrors,
      firstParseError,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
