/**
 * Pre-check: every rule an import message would fail, and the tax it would pay, without
 * storing anything — so an enterprise can fix its data before declaring.
 */
import type { Kysely } from 'kysely';
import type { CebNode } from '../../ceb/index.ts';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService, DocumentRow, NewMessage } from '../declarations/index.ts';
import type { Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { fenToYuan, type TaxRate } from '../tax/index.ts';
import { cstTime17 } from '../../platform/time.ts';
import { assess, type Found } from './assess.ts';
import { findConflicts, type ConflictSettings } from './conflicts.ts';
import { findExportConflicts } from './export-conflicts.ts';
import { assessExport, collectionKey } from './assess-export.ts';
import type { Wait } from './clearance.repository.ts';
import type { RuleId } from './rules.ts';

export interface PrecheckFinding {
  code: string;
  message: string;
  path?: string;
}

export interface PrecheckRecord {
  seq: number;
  guid: string;
  findings: PrecheckFinding[];
  warnings: string[];
  /** Computed retail import tax (inventories), yuan. */
  tax?: { dutiable: string; customsTax: string; valueAddedTax: string; consumptionTax: string; total: string };
}

export interface PrecheckResult {
  ok: boolean;
  messageType: string;
  records: PrecheckRecord[];
}

export interface PrecheckPorts {
  /** Reads the message as ingest would, and checks the caller may send it (role, parties, delegation). */
  read(caller: Caller, body: Buffer, format: 'xml' | 'json'): Promise<NewMessage>;
  rateOf(gcode: string): TaxRate;
  onPositiveList(gcode: string): boolean;
  quotaRemaining(idNumber: string, year: number): Promise<number>;
  stockAvailable(emsNo: string, itemRecordNo: string): Promise<string | null>;
}

export async function precheck(
  db: Kysely<Database>,
  declarations: DeclarationsService,
  releaseTimes: (trx: Kysely<Database>, ids: number[]) => Promise<Map<number, number>>,
  ports: PrecheckPorts,
  settings: ConflictSettings & { rulesOff: ReadonlySet<RuleId> },
  sender: Caller,
  body: Buffer,
  format: 'xml' | 'json',
): Promise<PrecheckResult> {
  let msg: NewMessage;
  try {
    msg = await ports.read(sender, body, format);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // A message the caller may not send is refused before any other enterprise's document is looked at.
    const code = err.customs?.returnStatus ?? err.code;
    const findings = err.issues.length ? err.issues.map((i) => ({ code, path: i.path, message: `${i.rule}: expected ${i.expected}, got ${i.actual}` })) : [{ code, message: err.message }];
    return { ok: false, messageType: '', records: [{ seq: -1, guid: '', findings, warnings: [] }] };
  }
  const records: PrecheckRecord[] = msg.records.map((r) => ({ seq: r.seq, guid: r.guid, findings: [], warnings: [] }));
  const conflicts = await findConflicts(db, declarations, releaseTimes, [msg], settings);
  await findExportConflicts(db, declarations, [msg], settings, conflicts);
  const conflict = conflicts.get(msg);
  if (conflict) {
    const seq = Number(/\[(\d+)\]/.exec(conflict.issues[0]?.path ?? '')?.[1] ?? 0);
    records[seq]?.findings.push({ code: conflict.customs?.returnStatus ?? conflict.code, path: conflict.issues[0]?.path, message: conflict.customs?.returnInfo ?? conflict.message });
  }
  if (msg.messageType === 'CEB621Message') {
    const year = Number(cstTime17(new Date(settings.now())).slice(0, 4));
    for (const r of msg.records) {
      const node = JSON.parse(r.fields) as CebNode;
      const head = node.InventoryHead as CebNode;
      // Other enterprises' documents are looked up only for a party to the inventory.
      if (![head.agentCode, head.ebcCode, head.ebpCode].some((c) => String(c ?? '').trim() === sender.code)) {
        records[r.seq].findings.push({ code: 'FORBIDDEN', message: `the sender ${sender.code} is neither the declarant (agentCode), the e-commerce enterprise nor the platform of this inventory` });
        continue;
      }
      const waybillKey = `logistics|${String(head.logisticsCode ?? '').trim()}|${String(head.logisticsNo ?? '').trim()}`;
      const found: Found = { orders: new Map(), payments: new Map(), waybills: new Map() };
      for (const d of await declarations.documents(db, 'CEB311Message', 'corr_key', [r.refKey!])) if (!found.orders.has(d.corr_key) || d.status !== 'rejected') found.orders.set(d.corr_key, d);
      for (const d of await declarations.documents(db, 'CEB411Message', 'ref_key', [r.refKey!])) if (!found.payments.has(d.ref_key!) || d.status !== 'rejected') found.payments.set(d.ref_key!, d);
      for (const d of await declarations.documents(db, 'CEB511Message', 'corr_key', [waybillKey])) if (!found.waybills.has(d.corr_key) || d.status !== 'rejected') found.waybills.set(d.corr_key, d);
      const wait: Wait = { declaration_id: 0, message_id: 0, order_key: r.refKey!, payment_key: r.refKey!, waybill_key: waybillKey, deadline_at: 0, state: 'waiting', result: null, released_at: null };
      const rec = { id: 0, message_id: 0, enterprise_id: sender.id, status: 'awaiting-documents', message_type: msg.messageType, corr_key: r.corrKey, ref_key: r.refKey, invt_no: null, return_status: null, return_info: null, fields: r.fields, updated_at: 0 };
      // Assessed as if the deadline had passed: a missing document is reported, not waited for.
      const a = assess(rec, wait, found, settings.now(), settings, ports);
      const out = records[r.seq];
      if (a.kind === 'refused') out.findings.push(...a.reasons.map((m) => ({ code: a.code, message: m })));
      if (a.kind === 'matched') {
        out.warnings.push(...a.warnings);
        const t = a.tax.totals;
        out.tax = { dutiable: fenToYuan(t.dutiableFen), customsTax: fenToYuan(t.customsTaxFen), valueAddedTax: fenToYuan(t.vatFen), consumptionTax: fenToYuan(t.consumptionFen), total: fenToYuan(t.totalFen) };
        if (!a.singleItemOverLimit && t.dutiableFen > 500_000) out.findings.push({ code: '-621005', message: `单次交易限值5000元，本次 ${fenToYuan(t.dutiableFen)} 元 (over the 5,000 yuan single-transaction limit)` });
        const remaining = await ports.quotaRemaining(a.buyerIdNumber, year);
        if (t.dutiableFen > remaining) out.findings.push({ code: '-621018', message: `订购人年度个人额度不足，剩余额度 ${fenToYuan(remaining)} 元 (annual personal limit: ${fenToYuan(remaining)} yuan remaining)` });
        for (const l of a.stockLines) {
          const available = await ports.stockAvailable(l.emsNo, l.itemRecordNo);
          if (available === null || Number(available) < Number(l.qty)) out.findings.push({ code: '-621905', message: `保税库存不足: 账册[${l.emsNo}]料号[${l.itemRecordNo}]申报${l.qty}，可用${available ?? 0} (bonded stock short)` });
        }
      }
    }
  }
  if (msg.messageType === 'CEB603Message') {
    for (const r of msg.records) {
      const head = (JSON.parse(r.fields) as CebNode).InventoryHead as CebNode;
      const str = (k: string) => String(head[k] ?? '').trim();
      if (![str('agentCode'), str('ebcCode')].includes(sender.code)) {
        records[r.seq].findings.push({ code: 'FORBIDDEN', message: `the sender ${sender.code} is neither the declarant (agentCode) nor the e-commerce enterprise of this inventory` });
        continue;
      }
      const wait: Wait = { declaration_id: 0, message_id: 0, order_key: r.refKey!, payment_key: collectionKey(head, r.refKey!), waybill_key: `export-logistics|${str('logisticsCode')}|${str('logisticsNo')}`, deadline_at: 0, state: 'waiting', result: null, released_at: null };
      const found: Found = { orders: new Map(), payments: new Map(), waybills: new Map() };
      // As matching picks: newest first (the lookups answer so), a live document before a rejected one.
      const pick = (m: Map<string, DocumentRow>, k: string, d: DocumentRow) => {
        const cur = m.get(k);
        if (!cur || (cur.status === 'rejected' && d.status !== 'rejected')) m.set(k, d);
      };
      for (const d of await declarations.documents(db, 'CEB303Message', 'corr_key', [wait.order_key])) pick(found.orders, d.corr_key, d);
      if (wait.payment_key) for (const d of await declarations.documents(db, 'CEB403Message', 'ref_key', [wait.payment_key])) pick(found.payments, d.ref_key!, d);
      for (const d of await declarations.documents(db, 'CEB505Message', 'corr_key', [wait.waybill_key])) pick(found.waybills, d.corr_key, d);
      const rec = { id: 0, message_id: 0, enterprise_id: sender.id, status: 'awaiting-documents', message_type: msg.messageType, corr_key: r.corrKey, ref_key: r.refKey, invt_no: null, return_status: null, return_info: null, fields: r.fields, updated_at: 0 };
      // As if the deadline had passed: a missing document is reported, not waited for.
      const a = assessExport(rec, wait, found, settings.now(), settings);
      if (a.kind === 'refused') records[r.seq].findings.push(...a.reasons.map((m) => ({ code: a.code, message: m })));
    }
  }
  return { ok: records.every((r) => r.findings.length === 0), messageType: msg.messageType, records };
}
