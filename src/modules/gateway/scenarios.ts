/**
 * The sandbox customs' scenario rules as the operator keeps them: read, replaced (checked field
 * by field, audited), applied to the running sandbox at once and stored so a restart keeps them.
 * While stored rules exist they replace the rules file (SILKGATE_SANDBOX_SCENARIOS).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { isOperator, requireOperator, requireScope, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { checkScenarios, type ScenarioRule } from './sandbox/scenarios.ts';
import type { CustomsTransport } from './transport.ts';

/** A transport that takes scenario rules: the sandbox customs, in a worker or in-process. */
export interface ScenarioHolder {
  scenarios(): readonly ScenarioRule[];
  setScenarios(rules: readonly ScenarioRule[]): void;
}

export type ScenarioSource = 'stored' | 'file' | 'none';

const ROW = 1;
const actorOf = (c: Caller) => (c.accountId !== undefined ? `account:${c.accountId}@${c.code}` : `enterprise:${c.code}`);

function holderOf(t: CustomsTransport): ScenarioHolder | null {
  const h = t as CustomsTransport & Partial<ScenarioHolder>;
  return t.name === 'sandbox' && typeof h.setScenarios === 'function' && typeof h.scenarios === 'function' ? (h as ScenarioHolder) : null;
}

export class SandboxScenariosService {
  private source: ScenarioSource;
  /** Replacements run one at a time, so the rules in force are those of the last commit. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly transport: CustomsTransport,
    fromFile: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.source = fromFile ? 'file' : 'none';
  }

  private holder(): ScenarioHolder {
    const h = holderOf(this.transport);
    if (!h) {
      throw new AppError('CONFLICT', `The customs transport is ${this.transport.name}, not the sandbox customs: scenarios exist only in the sandbox (SILKGATE_TRANSPORT=sandbox).`, [
        { path: 'transport', rule: 'sandbox', expected: 'sandbox', actual: this.transport.name },
      ]);
    }
    return h;
  }

  /** At start, before the sandbox takes messages: stored rules replace the file's. */
  async restore(): Promise<void> {
    const h = holderOf(this.transport);
    if (!h) return;
    const row = await this.db.selectFrom('sandbox_scenarios').select('rules').where('id', '=', ROW).executeTakeFirst();
    if (!row) return;
    const c = checkScenarios(JSON.parse(row.rules));
    if (!c.ok) throw new Error(`stored sandbox scenarios are not valid: ${c.issues[0].path}: ${c.issues[0].text}`);
    h.setScenarios(c.rules);
    this.source = 'stored';
  }

  /** The rules in force (the JSON the rules file takes) and where they come from. Operator only. */
  get(caller: Caller): { rules: readonly ScenarioRule[]; source: ScenarioSource } {
    if (!isOperator(caller)) throw new AppError('FORBIDDEN', 'Only the zone operator reads the sandbox scenarios.');
    requireScope(caller, 'read');
    return { rules: this.holder().scenarios(), source: this.source };
  }

  /** Replaces the rules: checked (every fault named), stored with its audit entry, then in force for every later message. */
  replace(caller: Caller, body: unknown): Promise<readonly ScenarioRule[]> {
    requireOperator(caller, 'change the sandbox scenarios');
    const h = this.holder();
    const c = checkScenarios(body);
    if (!c.ok) {
      const issues = c.issues.slice(0, 200).map(({ path, rule, expected, actual }) => ({ path, rule, expected, actual }));
      throw new AppError('INVALID_REQUEST', `The rules are not valid: ${c.issues.length} issue${c.issues.length === 1 ? '' : 's'}; nothing was changed.`, issues);
    }
    const run = this.queue.then(async () => {
      const now = this.now();
      const actor = actorOf(caller);
      const rules = JSON.stringify(c.rules);
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sandbox_scenarios')
          .values({ id: ROW, rules, updated_at: now, updated_by: actor })
          .onConflict((oc) => oc.column('id').doUpdateSet({ rules, updated_at: now, updated_by: actor }))
          .execute();
        await this.audit.append(trx, [{ actor, action: 'config.sandbox_scenarios', subject: 'sandbox:scenarios', enterpriseId: caller.id, detail: { rules: c.rules.length }, at: now }]);
      });
      h.setScenarios(c.rules);
      this.source = 'stored';
      return c.rules;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
