/** What the workbench reads from the API, and the small rules it applies to it (no UI here). */
import type { ReceiptView } from '../../../src/modules/declarations/views.ts';
import type { Issue } from '../api.ts';

/** The list's rows and a message's receipts: the server's own types (type-only, erased at build). */
export type { ListItem, ListPage, ReceiptView } from '../../../src/modules/declarations/views.ts';

export type Node = { [k: string]: string | Node | Node[] };

export interface RecordView {
  id: number;
  seq: number;
  guid: string;
  key: string;
  status: string;
  returnStatus: string | null;
  returnInfo: string | null;
  preNo: string | null;
  invtNo: string | null;
  fields?: Node;
  updatedAt: string;
}

export interface ClearanceView {
  declarationId: number;
  state: string;
  deadline: string;
  tax?: { dutiable: string; customsTax: string; valueAddedTax: string; consumptionTax: string; total: string };
  warnings?: string[];
  refusal?: { code: string; reasons: string[]; issues?: Issue[] };
  releasedAt: string | null;
}

export interface MessageView {
  id: number;
  messageType: string;
  guid: string;
  status: string;
  copMsgId: string;
  receivedAt: string;
  forwardedAt: string | null;
  records: RecordView[];
  receipts: ReceiptView[];
  clearance?: ClearanceView[];
}

export const NUMBER_KEYS = ['orderNo', 'logisticsNo', 'invtNo', 'copNo', 'preNo'] as const;

export const IMPORT_TYPES = ['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message', 'CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message'];
export const EXPORT_TYPES = ['CEB303Message', 'CEB403Message', 'CEB505Message', 'CEB507Message', 'CEB509Message', 'CEB603Message', 'CEB605Message', 'CEB607Message', 'CEB701Message', 'CEB213Message', 'CEB215Message'];
export const RECORD_STATUSES = ['awaiting-documents', 'matched', 'accepted', 'forwarded', 'staged', 'declaring', 'sent', 'send-failed', 'customs-accepted', 'manual-review', 'inspection', 'detained', 'concluded', 'released', 'closed', 'returned', 'rejected'];

/** Messages that must carry an XML-DSig signature (docs/security.md). */
export const SIGNED_TYPES = new Set(['CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message']);

/** Documents that go no further than 120 (or 399): once there, they wait for nothing. */
const DOCUMENTS = new Set(['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message', 'CEB303Message', 'CEB403Message', 'CEB505Message', 'CEB507Message', 'CEB509Message', 'CEB607Message', 'CEB215Message']);
const FINAL = new Set(['closed', 'returned', 'rejected', 'refused', 'failed']);

/** Will this record still change (so a page showing it keeps asking)? */
export function settled(type: string, status: string): boolean {
  if (FINAL.has(status)) return true;
  return DOCUMENTS.has(type) && (status === 'customs-accepted' || status === 'concluded');
}

export type Tone = 'ok' | 'warn' | 'bad' | '';

export function statusTone(status: string): Tone {
  if (['rejected', 'refused', 'failed', 'send-failed', 'returned', 'detained'].includes(status)) return 'bad';
  if (['released', 'closed', 'concluded', 'customs-accepted'].includes(status)) return 'ok';
  if (['manual-review', 'inspection', 'awaiting-documents'].includes(status)) return 'warn';
  return '';
}

export function returnTone(returnStatus: string): Tone {
  const n = Number(returnStatus.trim());
  if (!Number.isFinite(n) || n < 0 || n === 100 || n === 4 || n === 700 || (n > 500 && n < 600)) return 'bad';
  if (n === 120 || n === 399 || n === 800 || n === 899) return 'ok';
  if (n === 300 || n === 500) return 'warn';
  return '';
}

/** The returnNames key of a code: its own, a detention (501–599), or any negative one. */
export function returnKey(returnStatus: string): string {
  const n = Number(returnStatus.trim());
  if (n < 0) return 'error';
  if (n > 500 && n < 600) return '501';
  return returnStatus.trim();
}

/**
 * Sending order of a batch: documents before what depends on them (the CLI's stages, with the
 * export side): orders; payments, waybills; inventories; arrival and departure; cancels, returns; summaries.
 */
const STAGE: Record<string, number> = {
  CEB311Message: 0, CEB303Message: 0,
  CEB411Message: 1, CEB511Message: 1, CEB513Message: 1, CEB403Message: 1, CEB505Message: 1,
  CEB621Message: 2, CEB603Message: 2, CEB607Message: 2,
  CEB711Message: 3, CEB507Message: 3,
  CEB509Message: 4,
  CEB623Message: 5, CEB625Message: 5, CEB605Message: 5, CEB213Message: 5, CEB215Message: 5,
  CEB701Message: 6,
};
export const stageOf = (type: string | null): number => (type ? (STAGE[type] ?? 1) : 1);

/** The message type from the first bytes: the root element, a DxpMsg's MsgType, or the JSON form's root key. */
export function messageTypeOf(head: string): string | null {
  const dxp = /<(?:[\w.-]+:)?MsgType>\s*(CEB\d{3}Message)\s*</.exec(head);
  if (dxp) return dxp[1];
  const xml = /<(?:[\w.-]+:)?(CEB\d{3}Message)[\s>/]/.exec(head);
  if (xml) return xml[1];
  const json = /^\s*\{\s*"(CEB\d{3}Message)"/.exec(head);
  return json ? json[1] : null;
}

export const isJson = (text: string): boolean => /^\s*[{[]/.test(text);
export const hasSignature = (text: string): boolean => /<(?:[\w.-]+:)?Signature[\s>]/.test(text);

const uuid = () => crypto.randomUUID().toUpperCase();

/**
 * A stored message made ready to declare again: every guid new (the root's and each record's —
 * customs and the platform know a declaration by it) and the old signature gone (the edit
 * invalidates it; the platform signs again).
 */
export function prepareResubmission(text: string): string {
  if (isJson(text)) return text.replace(/("guid"\s*:\s*")[^"]*(")/g, (_m, a: string, b: string) => a + uuid() + b);
  return text
    .replace(/\s*<([\w.-]+:)?Signature[\s>][\s\S]*?<\/\1?Signature>/, '')
    .replace(/(<(?:[\w.-]+:)?CEB\d{3}Message\b[^>]*?\sguid=")[^"]*(")/, (_m, a: string, b: string) => a + uuid() + b)
    .replace(/(<(?:[\w.-]+:)?guid>)[^<]*(<\/(?:[\w.-]+:)?guid>)/g, (_m, a: string, b: string) => a + uuid() + b);
}

/**
 * The text of stored bytes as the editor shows it: the encoding its XML declaration names
 * (GB18030/GBK included), the CEB message out of a DxpMsg envelope, and a declaration saying
 * UTF-8 (the editor sends UTF-8).
 */
export function decodeStored(bytes: ArrayBuffer): string {
  const text = decodeXml(new Uint8Array(bytes));
  const data = /<(?:[\w.-]+:)?Data>\s*([A-Za-z0-9+/=\s]+?)\s*<\/(?:[\w.-]+:)?Data>/.exec(text);
  if (/<(?:[\w.-]+:)?DxpMsg[\s>]/.test(text) && data) {
    const bin = atob(data[1].replace(/\s+/g, ''));
    return decodeXml(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return text;
}

function decodeXml(bytes: Uint8Array): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const enc = /encoding=["']([\w-]+)["']/i.exec(head)?.[1] ?? 'utf-8';
  let text: string;
  try {
    text = new TextDecoder(enc.toLowerCase()).decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '').replace(/(<\?xml[^>]*encoding=["'])[\w-]+(["'])/i, '$1UTF-8$2');
}

/** A record's head (the `…Head` node), or the record itself when flat. */
export function headOf(node: Node): Record<string, string | Node | Node[]> {
  const head = Object.entries(node).find(([k, v]) => k.includes('Head') && v && typeof v === 'object' && !Array.isArray(v));
  return (head?.[1] as Node | undefined) ?? node;
}

/** Customs' returnTime (yyyyMMddHHmmss[SSS], China time) as an ISO time, or null. */
export function cstTime(v: string | null | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec((v ?? '').trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +m[7] : 0) - 8 * 3600_000;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
