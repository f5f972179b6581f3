/** `silkgate audit`: read the audit log and prove its hash chain intact, over the API or straight from the database. */
import { CliError, type Context, type Values } from '../client.ts';

export const summary = 'Audit log: verify the hash chain (API or --local database), list entries';
export const usage = `Usage: silkgate audit verify [--local]
       silkgate audit list [--action ACTION] [--limit N]

verify   Walks the whole hash chain and prints the number of entries and the head hash (note it
         somewhere else: a later head that does not extend it means the tail was cut). Exit
         status 1 and the first broken entry when any entry was changed, removed or reordered.
         Over the API it needs the operator's or a regulator's key (default: --as operator).
         --local reads the database directly (SILKGATE_DATABASE_URL or the SQLite file in
         SILKGATE_DATA_DIR), trusting no running server.
list     The newest entries (an enterprise sees its own; operator and regulators all).

Options:
  --local          verify: open the database instead of asking the platform
  --action ACTION  list: only this action (e.g. filing.approved, key.revoked, declaration.accepted)
  --limit N        list: how many (default 50, at most 1000)`;

export const options = {
  local: { type: 'boolean' },
  action: { type: 'string' },
  limit: { type: 'string' },
} as const;

interface Verification {
  ok: boolean;
  entries: number;
  head: string;
  brokenAt?: number;
  reason?: string;
}

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
}

function report(ctx: Context, v: Verification): number {
  if (ctx.json) process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  else if (v.ok) process.stdout.write(`audit chain intact: ${v.entries} entries, head ${v.head}\n`);
  else process.stdout.write(`audit chain BROKEN at entry ${v.brokenAt}: ${v.reason}\n  ${v.entries} entries verified before it, last good hash ${v.head}\n`);
  return v.ok ? 0 : 1;
}

async function verifyLocal(ctx: Context): Promise<Verification> {
  // Imported here: only this subcommand needs the database driver.
  const { loadConfig } = await import('../../config/index.ts');
  const { openDb } = await import('../../db/index.ts');
  const { createAudit } = await import('../../modules/audit/index.ts');
  const config = loadConfig({ ...process.env, SILKGATE_DATA_DIR: process.env.SILKGATE_DATA_DIR || ctx.dataDir });
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    return await createAudit(db.kysely, db.dialect === 'postgres').verify();
  } finally {
    await db.close();
  }
}

export async function run(ctx: Context, positionals: string[], values: Values): Promise<number> {
  const [sub] = positionals;
  if (sub === 'verify') {
    if (values.local) return report(ctx, await verifyLocal(ctx));
    const key = values.key || values.as || process.env.SILKGATE_API_KEY ? ctx.key() : ctx.keyFor('operator');
    return report(ctx, await ctx.client(key).json<Verification>('/api/v1/audit/verify'));
  }
  if (sub === 'list') {
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit must be an integer from 1 to 1000, got "${values.limit}"`, 2);
    const q = new URLSearchParams({ limit: String(limit), ...(typeof values.action === 'string' ? { action: values.action } : {}) });
    const { entries } = await ctx.client(ctx.key()).json<{ entries: Entry[] }>(`/api/v1/audit?${q}`);
    if (ctx.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    else for (const e of entries) process.stdout.write(`${String(e.seq).padStart(7)}  ${e.at}  ${e.action.padEnd(22)} ${e.actor}  ${e.subject}  ${JSON.stringify(e.detail)}\n`);
    return 0;
  }
  throw new CliError(sub ? `unknown subcommand "${sub}": use verify or list` : 'say what to do: verify or list', 2);
}
