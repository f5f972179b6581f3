/** The messages and declarations tables. The hot path writes whole batches in one transaction. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AppError } from '../../platform/errors.ts';
import type { AuditEntry } from '../audit/index.ts';
import type { SignatureCheck } from '../../ceb/dsig.ts';
import { listDeclarations, type ListCursor, type ListFilter, type ListRow } from './list.query.ts';

export interface NewMessage {
  enterpriseId: number;
  messageType: string;
  guid: string;
  idemKey: string;
  body: Buffer;
  bodyFormat: 'xml' | 'dxp' | 'json';
  ceb: Buffer | null;
  encoding: string;
  copMsgId: string;
  senderDxpId: string;
  /** `parties`: the record's party codes the sending policy checks (declarant, principal). */
  /** `numbers`: the head's orderNo, logisticsNo, invtNo, copNo, preNo, as the declarations list searches them. */
  records: Array<{ seq: number; guid: string; corrKey: string; refKey: string | null; fields: string; parties?: Record<string, string>; numbers?: string[] }>;
  /** SHA-256 (hex) of the bytes received, for the audit log. */
  sha256?: string;
  /** Who declared it, with which credential (set once the sender is authorized), for the audit log. */
  declaredBy?: { code: string; via: string; keyId?: number; accountId?: number };
  /** The ds:Signature as verified on the CPU pool; null when the message carries none. */
  signature?: SignatureCheck | null;
  /** Enterprises (ids) the message is declared for besides the sender: they read it and its receipts. */
  principals?: number[];
}

/** Where accepted declarations are recorded: the audit log, inside the batch's transaction. */
export interface DeclarationAudit {
  append(trx: Kysely<Database>, entries: AuditEntry[]): Promise<void>;
}

/** What ingest asks of the modules downstream, inside the batch's transaction. */
export interface IngestHooks {
  /** Conflicts with what is already stored (duplicates…): a refused message stores nothing. */
  admit(trx: Transaction<Database>, items: NewMessage[]): Promise<Map<NewMessage, AppError>>;
  /** Messages that wait (for matching) instead of going to customs at once. */
  holds(item: NewMessage): boolean;
  /** Hands the stored messages on: to the outbox, or to the matching queue when held. */
  route(trx: Transaction<Database>, stored: StoredForRouting[], now: number): Promise<void>;
  /** After the batch's transaction committed. */
  committed?(): void;
  /** Last in the batch's transaction: what was stored (statistics count it). */
  stored?(trx: Transaction<Database>, stored: StoredForRouting[], now: number): Promise<void>;
  /** Before the group commit: is the signature required, valid and by a certificate of the sender? Throws an AppError to refuse. */
  signature?(item: NewMessage): Promise<void>;
}

export interface StoredForRouting {
  message: StoredMessage;
  item: NewMessage;
  /** Declaration ids of the records, by seq. */
  declarationIds: number[];
  held: boolean;
}

export type BatchOutcome = { message: StoredMessage; created: boolean } | { error: AppError };

/** What receipt correlation needs to know of a declaration. */
export interface DeclarationRef {
  id: number;
  message_id: number;
  enterprise_id: number;
  status: string;
  message_type: string;
  corr_key: string;
  ref_key: string | null;
  invt_no: string | null;
}

const REF_COLUMNS = ['id', 'message_id', 'enterprise_id', 'status', 'message_type', 'corr_key', 'ref_key', 'invt_no'] as const;

/** A stored document as matching and conflict checks read it. */
export interface DocumentRow extends DeclarationRef {
  return_status: string | null;
  return_info: string | null;
  fields: string;
  updated_at: number;
}

export type { ListCursor, ListFilter, ListRow } from './list.query.ts';

export interface MessageBytes {
  id: number;
  body: Buffer;
  bodyFormat: string;
  /** The CEB bytes when the body is an envelope or JSON; null when the body is the CEB XML itself. */
  ceb: Buffer | null;
  enterpriseId: number;
  messageType: string;
  copMsgId: string;
  senderDxpId: string;
  receivedAt: number;
}

export interface StoredMessage {
  id: number;
  enterpriseId: number;
  messageType: string;
  guid: string;
  recordCount: number;
  status: string;
  receivedAt: number;
  forwardedAt: number | null;
  copMsgId: string;
}

const MESSAGE_COLUMNS = ['id', 'enterprise_id', 'message_type', 'guid', 'record_count', 'status', 'received_at', 'forwarded_at', 'cop_msg_id'] as const;
type MessageRow = { id: number; enterprise_id: number; message_type: string; guid: string; record_count: number; status: string; received_at: number; forwarded_at: number | null; cop_msg_id: string };
const toStored = (r: MessageRow): StoredMessage => ({
  id: r.id,
  enterpriseId: r.enterprise_id,
  messageType: r.message_type,
  guid: r.guid,
  recordCount: r.record_count,
  status: r.status,
  receivedAt: r.received_at,
  forwardedAt: r.forwarded_at,
  copMsgId: r.cop_msg_id,
});

/** `declaration.accepted`: what was declared, by whom, with which credential, and the digest of the exact bytes. */
function acceptedEntry(m: NewMessage, stored: StoredMessage, now: number): AuditEntry {
  const by = m.declaredBy;
  return {
    actor: `enterprise:${by?.code ?? m.enterpriseId}`,
    action: 'declaration.accepted',
    subject: `message:${stored.id}`,
    enterpriseId: m.enterpriseId,
    at: now,
    detail: {
      messageType: m.messageType,
      guid: m.guid,
      records: m.records.length,
      sha256: m.sha256,
      via: by?.via,
      keyId: by?.keyId,
      accountId: by?.accountId,
      // The enterprises (ids) it was declared for, who read it too.
      ...(m.principals?.length ? { principals: m.principals } : {}),
    },
  };
}

/** Rows per multi-row INSERT: keeps bound parameters far below SQLite's limit. */
const CHUNK = 400;

function chunks<T>(list: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

export class DeclarationsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit?: DeclarationAudit,
  ) {}

  /**
   * Stores a batch: messages already present (same idempotency key) are returned as they are,
   * refused ones (conflicts) store nothing, new ones are inserted with their records and routed
   * (outbox, or held for matching), all in one transaction.
   */
  async storeBatch(items: NewMessage[], now: number, hooks: IngestHooks): Promise<BatchOutcome[]> {
    return this.db.transaction().execute(async (trx) => {
      const keys = [...new Set(items.map((i) => i.idemKey))];
      const existing = new Map<string, StoredMessage>();
      for (const part of chunks(keys)) {
        const rows = await trx.selectFrom('messages').select([...MESSAGE_COLUMNS, 'idem_key']).where('idem_key', 'in', part).execute();
        for (const r of rows) existing.set(r.idem_key, toStored(r));
      }
      const candidates: NewMessage[] = [];
      const seen = new Set<string>();
      for (const i of items) {
        if (existing.has(i.idemKey) || seen.has(i.idemKey)) continue;
        seen.add(i.idemKey);
        candidates.push(i);
      }
      const refused = await hooks.admit(trx, candidates);
      const fresh = candidates.filter((m) => !refused.has(m));
      const created = new Map<string, StoredMessage>();
      for (const part of chunks(fresh, 200)) {
        const rows = await trx
          .insertInto('messages')
          .values(part.map((m) => ({
            enterprise_id: m.enterpriseId,
            message_type: m.messageType,
            guid: m.guid,
            idem_key: m.idemKey,
            body: m.body,
            body_format: m.bodyFormat,
            ceb: m.ceb,
            encoding: m.encoding,
            record_count: m.records.length,
            status: hooks.holds(m) ? 'awaiting-documents' : 'accepted',
            cop_msg_id: m.copMsgId,
            sender_dxp_id: m.senderDxpId,
            received_at: now,
          })))
          // Another platform process may have stored the same message a moment ago (PostgreSQL).
          .onConflict((oc) => oc.column('idem_key').doNothing())
          .returning([...MESSAGE_COLUMNS, 'idem_key'])
          .execute();
        for (const r of rows) created.set(r.idem_key, toStored(r));
      }
      const raced = fresh.filter((m) => !created.has(m.idemKey)).map((m) => m.idemKey);
      if (raced.length) {
        for (const r of await trx.selectFrom('messages').select([...MESSAGE_COLUMNS, 'idem_key']).where('idem_key', 'in', raced).execute()) {
          existing.set(r.idem_key, toStored(r));
          seen.delete(r.idem_key);
        }
      }
      const decl = fresh.filter((m) => created.has(m.idemKey)).flatMap((m) => {
        const stored = created.get(m.idemKey)!;
        return m.records.map((r) => ({
          message_id: stored.id,
          seq: r.seq,
          enterprise_id: m.enterpriseId,
          message_type: m.messageType,
          guid: r.guid,
          corr_key: r.corrKey,
          ref_key: r.refKey,
          status: stored.status,
          fields: r.fields,
          updated_at: now,
        }));
      });
      const ids = new Map<number, number[]>();
      for (const part of chunks(decl)) {
        for (const r of await trx.insertInto('declarations').values(part).returning(['id', 'message_id', 'seq']).execute()) {
          const list = ids.get(r.message_id) ?? [];
          list[r.seq] = r.id;
          ids.set(r.message_id, list);
        }
      }
      const stored = fresh.filter((m) => created.has(m.idemKey));
      // The numbers each record is found by in the declarations list.
      const numbers = stored.flatMap((m) => {
        const declIds = ids.get(created.get(m.idemKey)!.id) ?? [];
        return m.records.flatMap((r) => (r.numbers ?? []).map((number) => ({ number, declaration_id: declIds[r.seq] })));
      });
      for (const part of chunks(numbers)) await trx.insertInto('declaration_numbers').values(part).execute();
      // Who else reads each message (an agent's principal): one multi-row insert for the batch.
      const parties = stored.flatMap((m) => (m.principals ?? []).map((enterpriseId) => ({ message_id: created.get(m.idemKey)!.id, enterprise_id: enterpriseId })));
      for (const part of chunks(parties)) await trx.insertInto('message_parties').values(part).execute();
      const routed = stored.map((item): StoredForRouting => {
        const message = created.get(item.idemKey)!;
        return { message, item, declarationIds: ids.get(message.id) ?? [], held: message.status === 'awaiting-documents' };
      });
      await hooks.route(trx, routed, now);
      // One audit entry per accepted message, committed with it; one append for the whole batch.
      if (this.audit) await this.audit.append(trx, stored.map((m) => acceptedEntry(m, created.get(m.idemKey)!, now)));
      if (hooks.stored && routed.length) await hooks.stored(trx, routed, now);
      // A repeat, in the same batch, of a refused message gets the same answer.
      const refusedByKey = new Map([...refused].map(([m, e]) => [m.idemKey, e]));
      return items.map((i): BatchOutcome => {
        const error = refused.get(i) ?? (existing.has(i.idemKey) ? undefined : refusedByKey.get(i.idemKey));
        if (error) return { error };
        const fromBefore = existing.get(i.idemKey);
        return fromBefore ? { message: fromBefore, created: false } : { message: created.get(i.idemKey)!, created: seen.delete(i.idemKey) };
      });
    });
  }

  async messageIn(trx: Kysely<Database>, id: number): Promise<StoredMessage | null> {
    const r = await trx.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', id).executeTakeFirst();
    return r ? toStored(r) : null;
  }

  /** When the platform received these messages (ms), message id → time. */
  async receivedAt(trx: Kysely<Database>, messageIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const part of chunks([...new Set(messageIds)])) {
      for (const r of await trx.selectFrom('messages').select(['id', 'received_at']).where('id', 'in', part).execute()) out.set(Number(r.id), Number(r.received_at));
    }
    return out;
  }

  async message(id: number): Promise<StoredMessage | null> {
    const r = await this.db.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', id).executeTakeFirst();
    return r ? toStored(r) : null;
  }

  async messageBytes(id: number): Promise<MessageBytes | null> {
    return (await this.manyBytes([id]))[0] ?? null;
  }

  async manyBytes(ids: number[]): Promise<MessageBytes[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('messages')
      .select(['id', 'body', 'body_format', 'ceb', 'enterprise_id', 'message_type', 'cop_msg_id', 'sender_dxp_id', 'received_at'])
      .where('id', 'in', ids)
      .execute();
    return rows.map((r) => ({ id: r.id, body: r.body, bodyFormat: r.body_format, ceb: r.ceb, enterpriseId: r.enterprise_id, messageType: r.message_type, copMsgId: r.cop_msg_id, senderDxpId: r.sender_dxp_id, receivedAt: r.received_at }));
  }

  /** Enterprises a message is declared for besides its sender. */
  async parties(messageId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('message_parties').select('enterprise_id').where('message_id', '=', messageId).execute();
    return rows.map((r) => Number(r.enterprise_id));
  }

  /** The parties of many messages, in a transaction (receipts copy them): message id → enterprise ids. */
  async partiesOf(trx: Kysely<Database>, messageIds: number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (const part of chunks([...new Set(messageIds)])) {
      for (const r of await trx.selectFrom('message_parties').select(['message_id', 'enterprise_id']).where('message_id', 'in', part).execute()) {
        const id = Number(r.message_id);
        out.set(id, [...(out.get(id) ?? []), Number(r.enterprise_id)]);
      }
    }
    return out;
  }

  async records(messageId: number) {
    return this.db
      .selectFrom('declarations')
      .select(['id', 'seq', 'guid', 'message_type', 'corr_key', 'status', 'return_status', 'return_info', 'pre_no', 'invt_no', 'fields', 'updated_at'])
      .where('message_id', '=', messageId)
      .orderBy('seq')
      .execute();
  }

  /** A page of declarations, newest first, as `readers` may read them (list.query.ts). */
  list(f: ListFilter): Promise<ListRow[]> {
    return listDeclarations(this.db, f);
  }

  /** Where a declaration stands in the list's order (a cursor given as a declaration id). */
  async position(id: number): Promise<ListCursor | null> {
    const r = await this.db.selectFrom('declarations').select(['message_id', 'seq']).where('id', '=', id).executeTakeFirst();
    return r ? { messageId: Number(r.message_id), seq: Number(r.seq) } : null;
  }

  async markForwarded(trx: Kysely<Database>, messageIds: number[], now: number): Promise<void> {
    if (!messageIds.length) return;
    await trx.updateTable('messages').set({ status: 'forwarded', forwarded_at: now }).where('id', 'in', messageIds).execute();
    await trx.updateTable('declarations').set({ status: 'forwarded', updated_at: now }).where('message_id', 'in', messageIds).where('status', 'in', ['accepted', 'matched']).execute();
  }

  /** Sets the status of a message and of all its records that are still before customs. */
  async setMessageStatus(trx: Kysely<Database>, messageId: number, status: string, now: number): Promise<void> {
    await trx.updateTable('messages').set({ status }).where('id', '=', messageId).execute();
    await trx.updateTable('declarations').set({ status, updated_at: now }).where('message_id', '=', messageId).where('status', 'in', ['awaiting-documents', 'accepted', 'matched']).execute();
  }

  async markFailed(messageId: number, status: string): Promise<void> {
    await this.db.updateTable('messages').set({ status }).where('id', '=', messageId).execute();
  }

  /** Declarations with any of these correlation keys (all of them: the caller picks the latest). */
  async byCorrKeys(trx: Kysely<Database>, keys: string[]): Promise<DeclarationRef[]> {
    const out: DeclarationRef[] = [];
    for (const part of chunks([...new Set(keys)])) {
      out.push(...(await trx.selectFrom('declarations').select(REF_COLUMNS).where('corr_key', 'in', part).execute()));
    }
    return out;
  }

  /** Records of one message type found by a key column, newest first. */
  async documents(trx: Kysely<Database>, messageType: string, column: 'corr_key' | 'ref_key' | 'invt_no', keys: string[]): Promise<DocumentRow[]> {
    const out: DocumentRow[] = [];
    for (const part of chunks([...new Set(keys)])) {
      if (!part.length) continue;
      out.push(
        ...(await trx
          .selectFrom('declarations')
          .select([...REF_COLUMNS, 'return_status', 'return_info', 'fields', 'updated_at'])
          .where('message_type', '=', messageType)
          .where(column, 'in', part)
          .orderBy('id', 'desc')
          .execute()),
      );
    }
    return out;
  }

  /** Like documents(), without the record's fields: for checks that need only keys and status. */
  async refs(trx: Kysely<Database>, messageType: string, column: 'corr_key' | 'ref_key' | 'invt_no', keys: string[]): Promise<Array<DeclarationRef & { updated_at: number }>> {
    const out: Array<DeclarationRef & { updated_at: number }> = [];
    for (const part of chunks([...new Set(keys)])) {
      if (!part.length) continue;
      out.push(...(await trx.selectFrom('declarations').select([...REF_COLUMNS, 'updated_at']).where('message_type', '=', messageType).where(column, 'in', part).orderBy('id', 'desc').execute()));
    }
    return out;
  }

  async recordsOf(trx: Kysely<Database>, messageIds: number[]): Promise<DocumentRow[]> {
    if (!messageIds.length) return [];
    return trx
      .selectFrom('declarations')
      .select([...REF_COLUMNS, 'return_status', 'return_info', 'fields', 'updated_at'])
      .where('message_id', 'in', messageIds)
      .orderBy('message_id')
      .orderBy('seq')
      .execute();
  }

  async byNumbers(trx: Kysely<Database>, numbers: Array<{ type: string; number: string }>): Promise<DeclarationRef[]> {
    const byType = new Map<string, Set<string>>();
    for (const n of numbers) (byType.get(n.type) ?? byType.set(n.type, new Set()).get(n.type)!).add(n.number);
    const out: DeclarationRef[] = [];
    for (const [type, set] of byType) {
      for (const part of chunks([...set])) {
        out.push(...(await trx.selectFrom('declarations').select(REF_COLUMNS).where('invt_no', 'in', part).where('message_type', '=', type).execute()));
      }
    }
    return out;
  }

  async byCopMsgId(trx: Kysely<Database>, copMsgId: string): Promise<DeclarationRef[]> {
    return trx
      .selectFrom('declarations as d')
      .innerJoin('messages as m', 'm.id', 'd.message_id')
      .select(['d.id', 'd.message_id', 'd.enterprise_id', 'd.status', 'd.message_type', 'd.corr_key', 'd.ref_key', 'd.invt_no'])
      .where('m.cop_msg_id', '=', copMsgId)
      .orderBy('d.seq')
      .execute();
  }

  async updateFromReceipt(trx: Kysely<Database>, id: number, patch: { status?: string; returnStatus: string; returnInfo: string; preNo?: string; invtNo?: string }, now: number): Promise<void> {
    await trx
      .updateTable('declarations')
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        return_status: patch.returnStatus,
        return_info: patch.returnInfo,
        ...(patch.preNo ? { pre_no: patch.preNo } : {}),
        ...(patch.invtNo ? { invt_no: patch.invtNo } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }
}
