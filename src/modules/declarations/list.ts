/**
 * The declarations list (the console's workbench): its query, checked field by field, and its
 * rows. Who sees which rows is the message read policy (see DeclarationsService.list).
 */
import type { Issue } from '../../ceb/index.ts';
import { headOf, str, type CebNode } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { ListCursor, ListFilter, ListRow } from './list.query.ts';
import { EXPORT_DECLARATIONS, IMPORT_DECLARATIONS, NUMBER_FIELDS } from './ingest.ts';
import { RECORD_STATUSES } from './status.ts';
import type { Direction, ListItem } from './views.ts';

export const MAX_LIST = 200;
export const DEFAULT_LIST = 50;
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

export interface ListQuery {
  q?: string;
  type?: string;
  status?: string;
  direction?: string;
  from?: string;
  to?: string;
  before?: string;
  limit?: string;
}

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['q', 'type', 'status', 'direction', 'from', 'to', 'before', 'limit'].map((k) => [k, { type: 'string', maxLength: 100 }])),
};

/** "2025-03-01" is that day in China time; a full ISO 8601 time is taken as given. */
function time(param: 'from' | 'to', v: string, issues: Issue[]): number | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (day) {
    const utc = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const back = new Date(utc);
    if (back.getUTCMonth() === Number(day[2]) - 1 && back.getUTCDate() === Number(day[3])) {
      // `to` names a whole day: up to the start of the next one.
      return utc - CST_OFFSET_MS + (param === 'to' ? DAY_MS : 0);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) {
    return Date.parse(v) + (param === 'to' ? 1 : 0);
  }
  issues.push({ path: param, rule: 'date', expected: 'a date YYYY-MM-DD (China time) or an ISO 8601 time with its offset', actual: v });
  return undefined;
}

function limit(v: string, issues: Issue[]): number | undefined {
  const n = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (n >= 1 && n <= MAX_LIST) return n;
  issues.push({ path: 'limit', rule: 'range', expected: `an integer from 1 to ${MAX_LIST}`, actual: v });
  return undefined;
}

/**
 * The page cursor, opaque to clients: "<message id>-<seq>" of the last row shown (the list's
 * order). A bare declaration id, the cursor of earlier versions, is still taken (a number here).
 */
export const CURSOR_EXPECTED = 'the `next` of the previous page';
export const encodeCursor = (c: ListCursor) => `${c.messageId}-${c.seq}`;

function cursor(v: string, issues: Issue[]): ListCursor | number | undefined {
  const m = /^(\d{1,15})(?:-(\d{1,9}))?$/.exec(v);
  const id = m ? Number(m[1]) : NaN;
  if (m && Number.isSafeInteger(id) && id >= 1) return m[2] === undefined ? id : { messageId: id, seq: Number(m[2]) };
  issues.push({ path: 'before', rule: 'cursor', expected: CURSOR_EXPECTED, actual: v });
  return undefined;
}

/** A list query as parsed: `before` a position, or a declaration id (resolved by the service). */
export type ListParams = Omit<ListFilter, 'readers' | 'before'> & { before?: ListCursor | number };

/** "CEB311Message", "CEB311" or "311". */
function messageType(v: string): string | null {
  const m = /^(?:CEB)?(\d{3})(?:Message)?$/i.exec(v.trim());
  const t = m ? `CEB${m[1]}Message` : '';
  return IMPORT_DECLARATIONS.has(t) || EXPORT_DECLARATIONS.has(t) ? t : null;
}

/** The filter of a list query, or 400 naming each bad parameter. */
export function parseListQuery(query: ListQuery): ListParams {
  const issues: Issue[] = [];
  const out: ListParams = { limit: DEFAULT_LIST };
  const q = query.q?.trim();
  if (q) out.q = q;
  if (query.type) {
    const t = messageType(query.type);
    if (t) out.types = [t];
    else issues.push({ path: 'type', rule: 'message-type', expected: `a declaration type (${[...IMPORT_DECLARATIONS, ...EXPORT_DECLARATIONS].join(', ')})`, actual: query.type });
  }
  if (query.direction) {
    const set = query.direction === 'import' ? IMPORT_DECLARATIONS : query.direction === 'export' ? EXPORT_DECLARATIONS : null;
    if (!set) issues.push({ path: 'direction', rule: 'enum', expected: 'import or export', actual: query.direction });
    else out.types = out.types ? out.types.filter((t) => set.has(t)) : [...set];
  }
  if (query.status) {
    if ((RECORD_STATUSES as string[]).includes(query.status)) out.status = query.status;
    else issues.push({ path: 'status', rule: 'enum', expected: `one of ${RECORD_STATUSES.join(', ')}`, actual: query.status });
  }
  if (query.from) out.from = time('from', query.from, issues);
  if (query.to) out.to = time('to', query.to, issues);
  if (out.from !== undefined && out.to !== undefined && out.from >= out.to) {
    issues.push({ path: 'to', rule: 'order', expected: `a time after from (${query.from})`, actual: query.to! });
  }
  if (query.before) out.before = cursor(query.before, issues);
  if (query.limit) out.limit = limit(query.limit, issues) ?? DEFAULT_LIST;
  if (issues.length) throw new AppError('INVALID_REQUEST', `Bad query: ${issues.map((i) => i.path).join(', ')}.`, issues);
  return out;
}

/** One row of the list: the record's numbers (those customs assigned win), state and times. */
export function listItem(r: ListRow): ListItem {
  let head: CebNode = {};
  try {
    head = headOf(JSON.parse(r.fields) as CebNode);
  } catch {
    // a record is stored as valid JSON; an unreadable one still lists, without its numbers
  }
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], string>> = {};
  for (const f of NUMBER_FIELDS) if (str(head[f])) numbers[f] = str(head[f]);
  if (r.pre_no) numbers.preNo = r.pre_no;
  if (r.invt_no) numbers.invtNo = r.invt_no;
  return {
    id: r.id,
    messageId: r.message_id,
    seq: r.seq,
    enterpriseId: r.enterprise_id,
    messageType: r.message_type,
    direction: (EXPORT_DECLARATIONS.has(r.message_type) ? 'export' : 'import') as Direction,
    ...numbers,
    mode: str(head.tradeMode) || null,
    status: r.status,
    returnStatus: r.return_status,
    returnInfo: r.return_info,
    updatedAt: new Date(r.updated_at).toISOString(),
    receivedAt: new Date(r.received_at).toISOString(),
  };
}
