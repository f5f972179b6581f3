/**
 * Summary declaration (清单核放、汇总申报). Customs closes (结关, 899) an export inventory after its
 * departure; closed B-flag inventories become candidates, which the platform proposes in groups;
 * the enterprise confirms one; the platform
 * builds the CEB701 for it, signs it with the enterprise's held key when there is one, and sends
 * it through ingest like any message of the enterprise's (authorization, audit, outbox). The
 * CEB702 tells whether customs took it (and its sumNo); each CEB792 ties inventory lines to the
 * items of a customs declaration, which go to the tax-refund ledger.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { MESSAGES, buildDocument, parseDocument, type CebNode } from '../../ceb/index.ts';
import { isUniqueViolation, type Database } from '../../db/index.ts';
import { requireSendingRole, type DeclarationsService, type DocumentRow, type StatusChange } from '../declarations/index.ts';
import type { ReceivedReceipt } from '../receipts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { DeclarationResult, DeclaredItem } from '../refunds/index.ts';
import { readFilter, requireRead, requireWrite, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { cstDate, cstTime14 } from '../../platform/time.ts';
import { proposeGroups, summarisable, type Candidate, type Group, type ItemNameFlag, type SummaryFlag } from './grouping.ts';
import type { SummariesRepository, SummaryResultRow, SummaryRow } from './summaries.repository.ts';

export interface SummariesPorts {
  declarations: Pick<DeclarationsService, 'recordsOf' | 'documents' | 'ingest' | 'readAuthorized' | 'partiesOf'>;
  audit: AuditLog;
  /** Signs an unsigned message with the caller's platform-held key; NOT_FOUND when it holds none. */
  sign?(caller: Caller, body: Buffer): Promise<{ xml: string }>;
  /** Inside the receipts' transaction, once per new declaration result (the refund ledger). */
  declared?(trx: Kysely<Database>, result: DeclarationResult, now: number): Promise<void>;
  now?: () => number;
}

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const listOf = (n: CebNode, name: string) => {
  const v = n[name];
  return (Array.isArray(v) ? v : v ? [v] : []) as CebNode[];
};
const actorOf = (c: Caller) => (c.accountId !== undefined ? `account:${c.accountId}@${c.code}` : `enterprise:${c.code}`);
/** Groups are made of at most this many open candidates of a caller, oldest first. */
const MAX_CANDIDATES = 20_000;

function candidateOf(d: DocumentRow): Candidate {
  const inv = JSON.parse(d.fields) as CebNode;
  const h = inv.InventoryHead as CebNode;
  return {
    declarationId: d.id,
    invtNo: d.invt_no ?? s(h.invtNo),
    logisticsNo: s(h.logisticsNo),
    customsCode: s(h.customsCode),
    portCode: s(h.portCode),
    ebcCode: s(h.ebcCode),
    ebcName: s(h.ebcName),
    agentCode: s(h.agentCode),
    ownerCode: s(h.ownerCode),
    tradeMode: s(h.tradeMode),
    trafMode: s(h.trafMode),
    country: s(h.country),
    ieDate: s(h.ieDate),
    statisticsFlag: s(h.statisticsFlag),
    lines: listOf(inv, 'InventoryList').map((l) => ({ gnum: Number(s(l.gnum)), gcode: s(l.gcode), gname: s(l.gname), itemName: s(l.itemName), unit: s(l.unit), currency: s(l.currency), country: s(l.country) })),
  };
}

export class SummariesService {
  private readonly now: () => number;

  constructor(
    private readonly repo: SummariesRepository,
    private readonly ports: SummariesPorts,
  ) {
    this.now = ports.now ?? Date.now;
  }

  /** The caller's inventories not yet summarised, grouped: as consignor, or as the agent that declared them. */
  async proposals(caller: Caller, summaryFlag: SummaryFlag, itemNameFlag: ItemNameFlag): Promise<Group[]> {
    requireRead(caller);
    return this.groups(caller, summaryFlag, itemNameFlag);
  }

  private async groups(caller: Caller, summaryFlag: SummaryFlag, itemNameFlag: ItemNameFlag): Promise<Group[]> {
    const rows = await this.repo.openCandidates(caller.readable === 'all' ? null : { id: caller.id, code: caller.code }, MAX_CANDIDATES);
    return proposeGroups(rows.map((r) => JSON.parse(r) as Candidate), summaryFlag, itemNameFlag);
  }

  /** Inside the receipts' transaction: export inventories customs closed (结关, after departure) become candidates. */
  async inventoriesClosed(trx: Kysely<Database>, changes: StatusChange[], now: number): Promise<void> {
    const closed = changes.filter((c) => c.declaration.message_type === 'CEB603Message' && c.to === 'closed');
    if (!closed.length) return;
    const ids = new Set(closed.map((c) => c.declaration.id));
    const numbers = new Map(closed.map((c) => [c.declaration.id, c.declaration.invt_no]));
    const records = (await this.ports.declarations.recordsOf(trx, [...new Set(closed.map((c) => c.declaration.message_id))])).filter((d) => ids.has(d.id));
    const rows = records.flatMap((d) => {
      const c = candidateOf({ ...d, invt_no: numbers.get(d.id) ?? d.invt_no });
      if (!summarisable(c) || !c.invtNo) return [];
      return [{ declaration_id: d.id, sender_id: d.enterprise_id, ebc_code: c.ebcCode, agent_code: c.agentCode, invt_no: c.invtNo, candidate: JSON.stringify(c), taken: 0, closed_at: now }];
    });
    await this.repo.addCandidates(trx, rows);
  }

  /**
   * Confirms a proposed group (all of it, or the inventories named) and sends its CEB701. The
   * inventories are claimed first (a unique index: two confirmations cannot take one inventory),
   * then the message goes through ingest as the caller's; if ingest refuses it they are freed.
   */
  async confirm(caller: Caller, input: { key: string; summaryFlag: SummaryFlag; itemNameFlag: ItemNameFlag; invtNos?: string[]; loctNo?: string; note?: string }) {
    requireWrite(caller, 'declare');
    // Only those who send summary requests (an e-commerce enterprise, its declaration agent) confirm one: -10101 for the rest.
    requireSendingRole(caller, 'CEB701Message');
    const groups = await this.groups(caller, input.summaryFlag, input.itemNameFlag);
    const group = groups.find((g) => g.key === input.key);
    if (!group) {
      throw new AppError('NOT_FOUND', `No proposed summary group ${input.key} for ${caller.code}: the inventories may be summarised already, or not yet closed (结关).`, [
        { path: 'key', rule: 'proposed', expected: groups.length ? `one of ${groups.slice(0, 5).map((g) => g.key).join(', ')}${groups.length > 5 ? '…' : ''}` : 'a key from GET /api/v1/summaries/proposals (none now)', actual: input.key },
      ]);
    }
    let members = group.inventories;
    if (input.invtNos) {
      const inGroup = new Map(members.map((c) => [c.invtNo, c]));
      const stray = input.invtNos.filter((n) => !inGroup.has(n));
      if (stray.length) {
        throw new AppError('INVALID_REQUEST', `${stray.length} of the inventories named are not in group ${input.key}.`, stray.map((n) => ({ path: 'invtNos', rule: 'in-group', expected: `an invtNo of group ${input.key}`, actual: n })));
      }
      members = [...new Set(input.invtNos)].map((n) => inGroup.get(n)!);
    }
    // The request is checked as ingest will check it (schema, sender, delegation) before anything is claimed.
    const provisional = { cop_no: `SUM${cstDate(new Date(this.now()))}${'0'.repeat(9)}`, created_at: this.now() };
    await this.ports.declarations.readAuthorized(caller, Buffer.from(this.applyXml(caller, provisional, group, members, input), 'utf8'), 'xml');
    // Looked up before the transaction opens: on SQLite a query outside an open transaction waits for it.
    const consignor = await this.consignorId(caller, group);
    const now = this.now();
    let id: number;
    try {
      id = await this.repo.db.transaction().execute(async (trx) => {
        const taken = await this.repo.taken(trx, members.map((m) => m.declarationId));
        if (taken.size) throw this.takenMeanwhile(members.filter((m) => taken.has(m.declarationId)));
        const summaryId = await this.repo.create(
          trx,
          {
            enterprise_id: consignor,
            declarant_id: caller.id,
            group_key: group.key,
            ebc_code: group.ebcCode,
            agent_code: caller.code,
            customs_code: group.customsCode,
            port_code: group.portCode,
            trade_mode: group.tradeMode,
            traf_mode: group.trafMode,
            country: group.country,
            owner_code: group.ownerCode,
            period: group.period,
            summary_flag: group.summaryFlag,
            item_name_flag: group.itemNameFlag,
            cop_no: `pending-${randomUUID()}`,
            message_id: null,
            status: 'preparing',
            sum_no: null,
            return_info: null,
            created_at: now,
            updated_at: now,
          },
          members.map((m) => ({ declarationId: m.declarationId, invtNo: m.invtNo })),
        );
        // The copNo is the row's own number: two confirmations at once never draw the same one.
        const copNo = `SUM${cstDate(new Date(now))}${String(summaryId).padStart(9, '0')}`;
        await this.repo.setCopNo(trx, summaryId, copNo);
        await this.ports.audit.append(trx, [{ actor: actorOf(caller), action: 'summary.confirmed', subject: `summary:${copNo}`, enterpriseId: caller.id, detail: { group: group.key, inventories: members.length, ebcCode: group.ebcCode } }]);
        return summaryId;
      });
    } catch (err) {
      // Another confirmation claimed one of these inventories between our check and our insert.
      if (isUniqueViolation(err)) throw this.takenMeanwhile(members);
      throw err;
    }
    const row = (await this.repo.get(id))!;
    let xml = this.applyXml(caller, row, group, members, input);
    try {
      if (this.ports.sign) {
        try {
          xml = (await this.ports.sign(caller, Buffer.from(xml, 'utf8'))).xml;
        } catch (err) {
          // The export XSD leaves the signature optional: without a held key the request goes unsigned.
          if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
        }
      }
      const sent = await this.ports.declarations.ingest(caller, Buffer.from(xml, 'utf8'), 'xml');
      await this.repo.db.transaction().execute((trx) => this.repo.update(trx, id, { message_id: sent.message.id, status: 'sent' }, this.now()));
    } catch (err) {
      await this.repo.db.transaction().execute(async (trx) => {
        await this.repo.update(trx, id, { status: 'failed', return_info: err instanceof Error ? err.message.slice(0, 1000) : 'failed' }, this.now());
        await this.repo.release(trx, id);
      });
      throw err;
    }
    return this.show(caller, id);
  }

  private takenMeanwhile(members: Candidate[]): AppError {
    return new AppError('CONFLICT', 'Some of these inventories were summarised meanwhile; read the proposals again.', members.map((m) => ({ path: 'invtNos', rule: 'not-summarised', expected: 'an inventory in no standing summary', actual: m.invtNo })));
  }

  /** The consignor's enterprise id: the caller itself, or the principal it declared for (a party of the inventories). */
  private async consignorId(caller: Caller, group: Group): Promise<number> {
    if (group.ebcCode === caller.code) return caller.id;
    const [inv] = await this.ports.declarations.documents(this.repo.db, 'CEB603Message', 'invt_no', [group.inventories[0].invtNo]);
    const parties = inv ? await this.ports.declarations.partiesOf(this.repo.db, [inv.message_id]) : new Map<number, number[]>();
    return (inv && parties.get(inv.message_id)?.[0]) ?? caller.id;
  }

  private applyXml(caller: Caller, row: Pick<SummaryRow, 'cop_no' | 'created_at'>, group: Group, members: Candidate[], input: { loctNo?: string; note?: string }): string {
    const head: CebNode = {
      guid: randomUUID().toUpperCase(),
      appType: '1',
      appTime: cstTime14(new Date(row.created_at)),
      appStatus: '2',
      customsCode: group.customsCode,
      copNo: row.cop_no,
      agentCode: caller.code,
      agentName: caller.name,
      ebcCode: group.ebcCode,
      ebcName: group.ebcName,
      declAgentCode: caller.code,
      declAgentName: caller.name,
      ...(input.loctNo ? { loctNo: input.loctNo } : {}),
      summaryFlag: group.summaryFlag,
      itemNameFlag: group.itemNameFlag,
      msgCount: '1',
      msgSeqNo: '1',
      ...(input.note ? { note: input.note } : {}),
    };
    const body: CebNode = {
      guid: head.guid as string,
      version: '1.0',
      SummaryApply: { SummaryApplyHead: head, SummaryApplyList: members.map((m) => ({ invtNo: m.invtNo })) },
      BaseTransfer: { copCode: caller.code, copName: caller.name, dxpMode: 'DXP', dxpId: caller.dxpId },
    };
    return buildDocument(MESSAGES.CEB701Message, body, { prefix: 'ceb' });
  }

  /**
   * Confirmations a stopped process left half done (inventories claimed, ingest's answer never
   * recorded): the CEB701 was stored — link it — or it was not — free the inventories. Only
   * summaries older than `graceMs`, so another process's confirmation in flight is left alone.
   */
  async recover(graceMs = 5 * 60_000): Promise<{ linked: number; failed: number }> {
    const out = { linked: 0, failed: 0 };
    for (const s of await this.repo.preparing(this.now() - graceMs)) {
      const [sent] = await this.ports.declarations.documents(this.repo.db, 'CEB701Message', 'corr_key', [`summary|${s.ebc_code}|${s.cop_no}`]);
      await this.repo.db.transaction().execute(async (trx) => {
        if (sent) {
          await this.repo.update(trx, s.id, { message_id: sent.message_id, status: 'sent' }, this.now());
          out.linked++;
        } else {
          await this.repo.update(trx, s.id, { status: 'failed', return_info: 'the summary request was never stored: the platform stopped while confirming it' }, this.now());
          await this.repo.release(trx, s.id);
          out.failed++;
        }
      });
    }
    return out;
  }

  // --- receipts -------------------------------------------------------------------------------

  /** The summaries these receipts' CEB701 records are for, by the copNo in the record's key (summary|ebcCode|copNo). */
  private async summariesOf(trx: Kysely<Database>, refs: Array<{ corr_key: string; message_id: number }>): Promise<Map<string, SummaryRow>> {
    const copNo = (k: string) => k.slice(k.lastIndexOf('|') + 1);
    const rows = await this.repo.byCopNo(trx, refs.map((r) => copNo(r.corr_key)));
    const out = new Map<string, SummaryRow>();
    for (const r of refs) {
      const row = rows.find((x) => x.cop_no === copNo(r.corr_key));
      if (row) out.set(r.corr_key, row);
    }
    return out;
  }

  /** Inside the receipts' transaction: a request customs refused (100, a negative code, a CEB900) frees its inventories. */
  async requestsRefused(trx: Kysely<Database>, changes: StatusChange[], now: number): Promise<void> {
    const refused = changes.filter((c) => c.declaration.message_type === 'CEB701Message' && c.to === 'rejected');
    if (!refused.length) return;
    const summaries = await this.summariesOf(trx, refused.map((c) => c.declaration));
    for (const c of refused) {
      const summary = summaries.get(c.declaration.corr_key);
      if (!summary || summary.status === 'refused' || summary.status === 'failed') continue;
      await this.repo.update(trx, summary.id, { status: 'refused', return_info: c.returnInfo, message_id: summary.message_id ?? c.declaration.message_id }, now);
      await this.repo.release(trx, summary.id);
      summary.status = 'refused';
    }
  }

  /** CEB702 with 120: customs took the request and gave it its sumNo. */
  async summaryReturned(trx: Kysely<Database>, receipts: ReceivedReceipt[], now: number): Promise<void> {
    const summaries = await this.summariesOf(trx, receipts.map((r) => r.declaration));
    for (const r of receipts) {
      const summary = summaries.get(r.declaration.corr_key);
      const parsed = parseDocument(Buffer.from(r.xml, 'utf8'));
      if (!summary || !parsed.ok) continue;
      const ret = listOf(parsed.doc.body, 'SummaryReturn')[0];
      if (!ret || Number(s(ret.returnStatus)) !== 120 || (summary.status !== 'sent' && summary.status !== 'preparing')) continue;
      // The receipt may come before confirm() recorded the message id: the key found it all the same.
      await this.repo.update(trx, summary.id, { status: 'accepted', sum_no: s(ret.sumNo) || summary.sum_no, return_info: s(ret.returnInfo), message_id: summary.message_id ?? r.declaration.message_id }, now);
      summary.status = 'accepted';
    }
  }

  /** CEB792: one customs declaration made of (some of) the request's inventories. */
  async resultReceived(trx: Kysely<Database>, receipts: ReceivedReceipt[], now: number): Promise<void> {
    const summaries = await this.summariesOf(trx, receipts.map((r) => r.declaration));
    for (const r of receipts) {
      const summary = summaries.get(r.declaration.corr_key);
      const parsed = parseDocument(Buffer.from(r.xml, 'utf8'));
      if (!summary || !parsed.ok) continue;
      const result = listOf(parsed.doc.body, 'SummaryResult')[0];
      if (!result) continue;
      const h = result.SummaryResultHead as CebNode;
      const lines = listOf(result, 'SummaryResultList');
      const base = { summary_id: summary.id, decl_seq_no: s(h.declSeqNo), entry_id: s(h.entryId) || null, dec_state: s(h.decState), op_date: s(h.opDate) };
      const added = await this.repo.addResults(
        trx,
        lines.map((l): SummaryResultRow => ({ ...base, invt_no: s(l.invtNo), logistics_no: s(l.logisticsNo), gnum: Number(s(l.gnum)), gseqno: Number(s(l.gseqno)), gcode: s(l.gcode) })),
      );
      await this.repo.update(trx, summary.id, { status: 'declared', sum_no: s(h.sumNo) || summary.sum_no, message_id: summary.message_id ?? r.declaration.message_id }, now);
      if (!added || !this.ports.declared) continue;
      const inventories = await this.ports.declarations.documents(trx, 'CEB603Message', 'invt_no', [...new Set(lines.map((l) => s(l.invtNo)))]);
      const items: DeclaredItem[] = [];
      for (const l of lines) {
        const inv = inventories.find((d) => d.invt_no === s(l.invtNo));
        if (!inv) continue;
        const node = JSON.parse(inv.fields) as CebNode;
        const ih = node.InventoryHead as CebNode;
        const line = listOf(node, 'InventoryList').find((x) => s(x.gnum) === s(l.gnum));
        if (!line) continue;
        items.push({
          invtNo: s(l.invtNo),
          gnum: Number(s(l.gnum)),
          gseqno: Number(s(l.gseqno)),
          gcode: s(l.gcode) || s(line.gcode),
          gname: s(line.gname),
          itemNo: s(line.itemNo),
          qty: s(line.qty),
          unit: s(line.unit),
          currency: s(line.currency),
          totalPrice: s(line.totalPrice),
          tradeMode: s(ih.tradeMode) as DeclaredItem['tradeMode'],
          country: s(line.country) || s(ih.country),
        });
      }
      await this.ports.declared(trx, { enterpriseId: summary.enterprise_id, ebcCode: summary.ebc_code, customsCode: s(h.customsCode), sumNo: s(h.sumNo), declSeqNo: s(h.declSeqNo), entryId: s(h.entryId) || null, opDate: s(h.opDate), items }, now);
    }
  }

  // --- reading --------------------------------------------------------------------------------

  async list(caller: Caller, before: number | null, limit: number) {
    requireRead(caller);
    const rows = await this.repo.list(readFilter(caller), before, limit);
    return rows.map(view);
  }

  async show(caller: Caller, id: number) {
    requireRead(caller);
    const row = await this.repo.get(id);
    const ids = readFilter(caller);
    if (!row || (ids && !ids.includes(row.enterprise_id) && !ids.includes(row.declarant_id))) throw new AppError('NOT_FOUND', `No summary ${id} that you may read.`);
    const [items, results] = await Promise.all([this.repo.items(id), this.repo.results(id)]);
    return {
      ...view(row),
      inventories: items.map((i) => ({ invtNo: i.invt_no, declarationId: i.declaration_id, standing: i.active === 1 })),
      declarations: declarationsOf(results),
    };
  }
}

function view(r: SummaryRow) {
  return {
    id: r.id,
    copNo: r.cop_no,
    status: r.status,
    sumNo: r.sum_no,
    messageId: r.message_id,
    groupKey: r.group_key,
    ebcCode: r.ebc_code,
    declarant: r.agent_code,
    customsCode: r.customs_code,
    portCode: r.port_code,
    tradeMode: r.trade_mode,
    trafMode: r.traf_mode,
    country: r.country,
    ownerCode: r.owner_code || null,
    period: r.period,
    summaryFlag: r.summary_flag,
    itemNameFlag: r.item_name_flag,
    returnInfo: r.return_info,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** Result lines by declaration, then by item: what the enterprise reconciles against its 报关单. */
function declarationsOf(rows: SummaryResultRow[]) {
  const byDecl = new Map<string, { declSeqNo: string; entryId: string | null; decState: string; opDate: string; items: Map<number, { gseqno: number; gcode: string; lines: Array<{ invtNo: string; logisticsNo: string; gnum: number }> }> }>();
  for (const r of rows) {
    const d = byDecl.get(r.decl_seq_no) ?? byDecl.set(r.decl_seq_no, { declSeqNo: r.decl_seq_no, entryId: r.entry_id, decState: r.dec_state, opDate: r.op_date, items: new Map() }).get(r.decl_seq_no)!;
    const item = d.items.get(r.gseqno) ?? d.items.set(r.gseqno, { gseqno: r.gseqno, gcode: r.gcode, lines: [] }).get(r.gseqno)!;
    item.lines.push({ invtNo: r.invt_no, logisticsNo: r.logistics_no, gnum: r.gnum });
  }
  return [...byDecl.values()].map((d) => ({ ...d, items: [...d.items.values()] }));
}

