/**
 * Demo zone console accounts: one per enterprise of a freshly written demo-credentials.json
 * (username demo-<role>, a random password), added to each entry of the file. The hashes are
 * made in parallel on libuv's threads.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AuditEntry, AuditLog } from '../audit/index.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { EnterpriseDirectory } from './accounts.service.ts';
import { hashPassword, randomPassword } from './password.ts';

export async function addDemoAccounts(d: { db: Kysely<Database>; repo: AccountsRepository; audit: AuditLog; enterprises: EnterpriseDirectory }, file: string): Promise<number> {
  const creds = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ role: string; code: string; username?: string; password?: string }>;
  const todo: Array<{ entry: (typeof creds)[number]; enterpriseId: number; username: string; password: string }> = [];
  const names = new Set<string>();
  for (const entry of creds) {
    if (entry.username) continue;
    const e = await d.enterprises.byCode(entry.code);
    if (!e) continue;
    let username = `demo-${entry.role}`.toLowerCase();
    if (names.has(username)) username = `demo-${entry.code}`.toLowerCase();
    names.add(username);
    todo.push({ entry, enterpriseId: e.id, username, password: randomPassword() });
  }
  const taken = await d.repo.usernamesTaken(d.db, todo.map((t) => t.username));
  const fresh = todo.filter((t) => !taken.has(t.username));
  if (!fresh.length) return 0;
  const hashes = await Promise.all(fresh.map((t) => hashPassword(t.password)));
  await d.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const entries: AuditEntry[] = [];
    for (const [i, t] of fresh.entries()) {
      const r = await d.repo.create(trx, { enterpriseId: t.enterpriseId, username: t.username, displayName: `Demo ${t.entry.role}`, passwordHash: hashes[i] }, now);
      entries.push({ actor: 'system', action: 'account.created', subject: `account:${t.username}`, enterpriseId: t.enterpriseId, detail: { accountId: r.id, enterprise: t.entry.code, demo: true } });
    }
    await d.audit.append(trx, entries);
  });
  for (const t of fresh) Object.assign(t.entry, { username: t.username, password: t.password });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return fresh.length;
}
