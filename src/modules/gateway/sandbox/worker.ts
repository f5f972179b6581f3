/**
 * Worker-thread entry of the sandbox customs. Customs is another system: running it on its own
 * thread (with its own database connection) keeps its parsing and receipt building off the
 * platform's event loop, and uses the second core.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../../../db/index.ts';
import { SandboxCustoms } from './sandbox.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.ts';

const port = parentPort!;
const config = (workerData as { config: WorkerConfig }).config;
const post = (m: FromWorker) => port.postMessage(m);
const log = {
  warn: (o: object, m: string) => post({ kind: 'log', level: 'warn', msg: m, obj: plain(o) }),
  error: (o: object, m: string) => post({ kind: 'log', level: 'error', msg: m, obj: plain(o) }),
};

function plain(o: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(o, (_k, v) => (v instanceof Error ? { message: v.message } : v)));
}

// Receipts of one pass go to the platform in one message; the platform answers per receipt.
let batchSeq = 0;
const pendingBatches = new Map<number, (results: Array<{ error: string; refused: boolean } | null>) => void>();
let queued: Array<{ payload: string; resolve: () => void; reject: (e: Error) => void }> = [];
function deliver(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    queued.push({ payload: bytes.toString('utf8'), resolve, reject });
    if (queued.length === 1) {
      setImmediate(() => {
        const batch = queued;
        queued = [];
        const id = ++batchSeq;
        pendingBatches.set(id, (results) =>
          batch.forEach((q, i) => {
            const r = results[i];
            if (r === null) q.resolve();
            else q.reject(Object.assign(new Error(r.error), { refused: r.refused }));
          }),
        );
        post({ kind: 'deliver', batchId: id, payloads: batch.map((q) => q.payload) });
      });
    }
  });
}

// On SQLite, customs keeps its own file: a second writer on the platform's file would make
// each side wait for the other's write lock.
const postgres = config.databaseUrl && /^postgres(ql)?:/.test(config.databaseUrl);
const db = await openDb({
  url: postgres ? config.databaseUrl : `sqlite:${path.join(config.dataDir, 'sandbox-customs.db')}`,
  dataDir: config.dataDir,
  onIdleError: (err) => log.warn({ err: err.message }, 'sandbox customs: database connection lost'),
});
const sandbox = new SandboxCustoms({ db: db.kysely, delayMs: config.delayMs, scenariosFile: config.scenariosFile, rules: config.rules ? [...config.rules] : undefined, pollMs: config.pollMs, log });

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'send':
      sandbox.send(m.message).then(
        () => post({ kind: 'sent', id: m.id, error: null }),
        (err: Error) => post({ kind: 'sent', id: m.id, error: err.message ?? String(err) }),
      );
      break;
    case 'start':
      void sandbox.start((bytes) => deliver(bytes));
      break;
    case 'delivered':
      pendingBatches.get(m.batchId)?.(m.results);
      pendingBatches.delete(m.batchId);
      break;
    case 'scenarios':
      sandbox.setScenarios(m.rules);
      break;
    case 'stop':
      void sandbox
        .stop()
        .then(() => db.close())
        .then(() => post({ kind: 'stopped' }));
      break;
  }
});
post({ kind: 'ready' });
