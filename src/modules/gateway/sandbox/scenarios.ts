/**
 * Which path a declaration record takes through the sandbox customs, and the receipt status
 * sequence of each path. Integrators pick a path through the business keys they control
 * (orderNo, copNo, coElNo, logisticsNo, payTransactionId) or through a rules file.
 */
import { readFileSync } from 'node:fs';
import type { CebNode, Issue } from '../../../ceb/index.ts';
import { str } from '../../../ceb/index.ts';

export type Scenario = 'normal' | 'reject' | 'neg' | 'review' | 'inspect' | 'delay' | 'down' | 'silent';

export const SCENARIOS: readonly Scenario[] = ['normal', 'reject', 'neg', 'review', 'inspect', 'delay', 'down', 'silent'];

export interface ScenarioRule {
  /** `field` of the record head (orderNo, copNo, ebcCode…) starts with `prefix` (case-insensitive); optionally only for one message type. */
  match: { field: string; prefix: string; messageType?: string };
  scenario: Scenario;
}

/** Business keys the built-in prefixes look at, in this order; the first key that matches wins. */
export const KEY_FIELDS = ['orderNo', 'copNo', 'coElNo', 'logisticsNo', 'payTransactionId'] as const;

const BUILT_IN: ReadonlyArray<readonly [string, Scenario]> = [
  ['REJECT', 'reject'],
  ['NEG', 'neg'],
  ['REVIEW', 'review'],
  ['INSPECT', 'inspect'],
  ['DELAY', 'delay'],
  ['DOWN', 'down'],
  ['SILENT', 'silent'],
];

/** Declaration types the sandbox answers, with the receipt type of each: import, then export. */
export const RECEIPT_OF: Readonly<Record<string, string>> = {
  CEB311Message: 'CEB312Message',
  CEB411Message: 'CEB412Message',
  CEB511Message: 'CEB512Message',
  CEB513Message: 'CEB514Message',
  CEB621Message: 'CEB622Message',
  CEB623Message: 'CEB624Message',
  CEB625Message: 'CEB626Message',
  CEB711Message: 'CEB712Message',
  CEB303Message: 'CEB304Message',
  CEB403Message: 'CEB404Message',
  CEB505Message: 'CEB506Message',
  CEB507Message: 'CEB508Message',
  CEB509Message: 'CEB510Message',
  CEB603Message: 'CEB604Message',
  CEB605Message: 'CEB606Message',
  CEB607Message: 'CEB608Message',
  CEB701Message: 'CEB702Message',
  CEB213Message: 'CEB214Message',
  CEB215Message: 'CEB216Message',
};

/**
 * Negative processing codes (spec §4, table 7-2 ranges). -301010 and -621004 are documented
 * meanings; the others are picked from each type's documented range.
 */
export const NEGATIVE: Readonly<Record<string, { code: string; info: string }>> = {
  CEB311Message: { code: '-301010', info: '订单报文处理失败，订单号已存在' },
  CEB411Message: { code: '-401010', info: '支付单报文处理失败，支付交易编号已存在' },
  CEB511Message: { code: '-504010', info: '运单报文处理失败，运单编号已存在' },
  CEB513Message: { code: '-505010', info: '运单状态报文处理失败，运单不存在' },
  CEB621Message: { code: '-621004', info: '清单报文处理失败，清单已申报，不能重复申报' },
  CEB623Message: { code: '-623010', info: '撤销申请单报文处理失败，清单状态不允许撤单' },
  CEB625Message: { code: '-625014', info: '退货申请单报文处理失败，退货金额超过单次交易限值' },
  CEB711Message: { code: '-800003', info: '入库明细单报文处理失败，运单不存在' },
  // Export: the spec documents no export ranges; these follow the import pattern (message code, serial).
  CEB303Message: { code: '-303010', info: '订单报文处理失败，订单号已存在' },
  CEB403Message: { code: '-403010', info: '收款单报文处理失败，收款单已存在' },
  CEB505Message: { code: '-505010', info: '运单报文处理失败，运单编号已存在' },
  CEB507Message: { code: '-507010', info: '运抵单报文处理失败，运抵单已存在' },
  CEB509Message: { code: '-509010', info: '离境单报文处理失败，离境单已存在' },
  CEB603Message: { code: '-603004', info: '清单报文处理失败，清单已申报，不能重复申报' },
  CEB605Message: { code: '-605010', info: '撤销申请单报文处理失败，清单状态不允许撤单' },
  CEB607Message: { code: '-607010', info: '清单总分单报文处理失败，清单总分单已存在' },
  CEB701Message: { code: '-701010', info: '汇总申请单报文处理失败，汇总申请单已存在' },
  CEB213Message: { code: '-213010', info: '退货申请单报文处理失败，退货申请单已存在' },
  CEB215Message: { code: '-215010', info: '退货理货明细单报文处理失败，运单不存在' },
};

const startsWithCi = (s: string, prefix: string) => s.toUpperCase().startsWith(prefix.toUpperCase());

/** File rules first (in file order), then the built-in prefixes on the business keys. */
export function pickScenario(rules: readonly ScenarioRule[], messageType: string, head: CebNode): Scenario {
  for (const r of rules) {
    if (r.match.messageType && r.match.messageType !== messageType) continue;
    if (startsWithCi(str(head[r.match.field]), r.match.prefix)) return r.scenario;
  }
  for (const field of KEY_FIELDS) {
    const v = str(head[field]);
    if (!v) continue;
    const hit = BUILT_IN.find(([p]) => startsWithCi(v, p));
    if (hit) return hit[1];
  }
  return 'normal';
}

/**
 * returnStatus values, one receipt each, in order. Review and inspection only exist for
 * inventories (and export returns, CEB214); other types take their normal path. CEB514 goes
 * 2 → 399 and CEB712 2 → 399 because their XSD annotations list no 120 (514) and arrival lists
 * are not logic-checked declarations (712); the same holds for the export arrival and departure
 * (508: 2/…/100/399 in its annotation, 510: none) and the return tally list (216).
 */
export function statusSequence(messageType: string, scenario: Scenario): string[] {
  if (scenario === 'silent') return [];
  if (scenario === 'neg') return [NEGATIVE[messageType].code];
  if (scenario === 'reject') return ['2', '100'];
  switch (messageType) {
    case 'CEB621Message':
    case 'CEB603Message':
      if (scenario === 'review') return ['2', '120', '300', '800', '899'];
      if (scenario === 'inspect') return ['2', '120', '500', '800', '899'];
      return ['2', '120', '800', '899'];
    case 'CEB213Message':
      if (scenario === 'review') return ['2', '120', '300', '800'];
      if (scenario === 'inspect') return ['2', '120', '500', '800'];
      return ['2', '120', '800'];
    case 'CEB623Message':
    case 'CEB625Message':
    case 'CEB605Message':
      return ['2', '120', '399'];
    case 'CEB513Message':
    case 'CEB711Message':
    case 'CEB507Message':
    case 'CEB509Message':
    case 'CEB215Message':
      return ['2', '399'];
    default:
      return ['2', '120'];
  }
}

/** Steps (base delays) before a status: 结关 comes well after 放行; everything else one step after the last. */
export function stepsBefore(status: string): number {
  return status === '899' ? 5 : 1;
}

/** DELAY: every step takes ten times the base delay. */
export function stepFactor(scenario: Scenario): number {
  return scenario === 'delay' ? 10 : 1;
}

/** Reads and validates a scenarios file; every fault names the file, the rule and the field. */
export function loadScenarios(file: string): ScenarioRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`sandbox scenarios file ${file}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`sandbox scenarios file ${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseScenarios(json, file);
}

/** At most this many rules, each prefix and field name at most this long: the rules are tried for every record. */
export const MAX_RULES = 1000;
const MAX_TEXT = 100;

type Fault = Issue & { text: string };

/**
 * Checks a rules document (the JSON the rules file takes): the rules, or every fault named by
 * rule (numbered from 1) and field, e.g. `rule 2.scenario`.
 */
export function checkScenarios(json: unknown): { ok: true; rules: ScenarioRule[] } | { ok: false; issues: Fault[] } {
  const faults: Fault[] = [];
  const fault = (path: string, rule: string, expected: string, actual: unknown, text: string) =>
    faults.push({ path, rule, expected, actual: typeof actual === 'string' ? actual : (JSON.stringify(actual) ?? 'missing'), text });
  if (!Array.isArray(json)) {
    fault('rules', 'type', 'a JSON array of rules', json === null ? 'null' : typeof json, 'must be a JSON array of rules like [{ "match": { "field": "orderNo", "prefix": "VIP" }, "scenario": "review" }]');
    return { ok: false, issues: faults };
  }
  if (json.length > MAX_RULES) fault('rules', 'maxItems', `at most ${MAX_RULES} rules`, `${json.length} rules`, `has ${json.length} rules (at most ${MAX_RULES})`);
  const rules: ScenarioRule[] = [];
  json.forEach((raw, i) => {
    const at = `rule ${i + 1}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fault(at, 'type', 'an object with "match" and "scenario"', raw, 'must be an object with "match" and "scenario"');
    const rule = raw as Record<string, unknown>;
    for (const k of Object.keys(rule)) if (k !== 'match' && k !== 'scenario') fault(`${at}.${k}`, 'unknown-key', 'only match and scenario', k, `unknown key "${k}" (allowed: match, scenario)`);
    const m = rule.match;
    if (!m || typeof m !== 'object' || Array.isArray(m)) {
      fault(`${at}.match`, 'type', 'an object { "field": …, "prefix": … }', m, '"match" must be an object { "field": …, "prefix": … }');
    } else {
      const match = m as Record<string, unknown>;
      for (const k of Object.keys(match)) {
        if (!['field', 'prefix', 'messageType'].includes(k)) fault(`${at}.match.${k}`, 'unknown-key', 'only field, prefix and messageType', k, `unknown key "match.${k}" (allowed: field, prefix, messageType)`);
      }
      if (typeof match.field !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(match.field) || match.field.length > MAX_TEXT) {
        fault(`${at}.match.field`, 'field-name', `a field name of the record head such as ${KEY_FIELDS.join(', ')}`, match.field, `"match.field" must be a field name such as ${KEY_FIELDS.join(', ')}`);
      }
      if (typeof match.prefix !== 'string' || match.prefix === '' || match.prefix.length > MAX_TEXT) {
        fault(`${at}.match.prefix`, 'prefix', `a non-empty string of at most ${MAX_TEXT} characters`, match.prefix, '"match.prefix" must be a non-empty string');
      }
      if (match.messageType !== undefined && (typeof match.messageType !== 'string' || !RECEIPT_OF[match.messageType])) {
        fault(`${at}.match.messageType`, 'enum', `one of ${Object.keys(RECEIPT_OF).join(', ')}`, match.messageType, `"match.messageType" must be one of ${Object.keys(RECEIPT_OF).join(', ')}`);
      }
    }
    if (typeof rule.scenario !== 'string' || !SCENARIOS.includes(rule.scenario as Scenario)) {
      fault(`${at}.scenario`, 'enum', `one of ${SCENARIOS.join(', ')}`, rule.scenario, `"scenario" must be one of ${SCENARIOS.join(', ')} (got ${JSON.stringify(rule.scenario)})`);
    }
    if (faults.length) return;
    const match = rule.match as Record<string, string>;
    const out: ScenarioRule = { match: { field: match.field, prefix: match.prefix }, scenario: rule.scenario as Scenario };
    if (match.messageType) out.match.messageType = match.messageType;
    rules.push(out);
  });
  return faults.length ? { ok: false, issues: faults } : { ok: true, rules };
}

/** The rules of a document, or an Error naming the source and the first fault (start-up refuses a bad file). */
export function parseScenarios(json: unknown, source = 'scenarios'): ScenarioRule[] {
  const c = checkScenarios(json);
  if (c.ok) return c.rules;
  const f = c.issues[0];
  const where = f.path === 'rules' ? '' : `${f.path.split('.')[0]}: `;
  throw new Error(`sandbox scenarios file ${source}: ${where}${f.text}`);
}
