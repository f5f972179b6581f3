/**
 * The authorization matrix through the real API, on every database of the run. Written as data:
 *
 * - SENDERS: which roles send which message type. Every demo role × every import message type is
 *   sent; the senders' messages are accepted (202), every other role's refused with 403 and
 *   customs' -10101, and nothing is stored.
 * - MATRIX: rows { method, path, role, expect } for every endpoint, for every caller — each demo
 *   role's key, the second tenant's (B) e-commerce enterprise and agent, a pending applicant, keys
 *   narrowed to one scope, no credential, and a console session with and without its CSRF token —
 *   over the demo zone's objects (A) and B's. Paths name the objects they touch as {placeholders};
 *   listings say which objects must and must not appear.
 *
 * The runner sets the tenants up, resolves the placeholders and checks each row: the status; for a
 * refusal, an error code that fits it and a sentence of its own; for a refused change, that no
 * table changed; for a listing, what is and is not in it. Zero cross-tenant reads or writes, each
 * refusal a clear 401, 403 or 404 (400 or 409 where the request itself cannot stand). A route the
 * platform registers without rows fails the run: to cover a new endpoint, add rows.
 */
import { execFileSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES, buildDocument } from '../../src/ceb/index.ts';
import { signCeb } from '../../src/ceb/dsig.ts';
import { cancelMessage, refundMessage } from '../../src/demo/aftersales.ts';
import { arrivalList } from '../../src/demo/arrival.ts';
import {
  DEMO_EXPORT_PARTIES, arrivalMessage, departureMessage, exportCancelMessage, exportReturnMessage, makeExportFlow, returnTallyMessage, summaryApplyRecord, waybillListMessage, wrapExport,
  type ExportFlow, type ExportMode,
} from '../../src/demo/export.ts';
import { DEMO_PARTIES, PLACEHOLDER_SIGNATURE, makeFlow, wrapMessage, type Flow, type Parties, type Party } from '../../src/demo/flows.ts';
import { SANDBOX_KEYS_DIR } from '../../src/demo/keys.ts';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import { CSV_COLUMNS as WAREHOUSE_CSV_COLUMNS } from '../../src/modules/warehouses/index.ts';
import { ERRORS, type ErrorCode } from '../../src/platform/errors.ts';
import { cstDay, cstTime14 } from '../../src/platform/time.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { tempDir } from '../support/db.ts';

// --- who ------------------------------------------------------------------------------------------

const DEMO_ROLES = ['operator', 'ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank', 'customs', 'commerce'] as const;
type DemoRole = (typeof DEMO_ROLES)[number];
/**
 * The demo zone's enterprises; the second tenant (ebcB delegates its inventories to agentB); an
 * applicant still pending; the demo agent with a read-only and a declare-only key.
 */
type Keyed = DemoRole | 'ebcB' | 'agentB' | 'pending' | 'agentRead' | 'agentDeclare';
const KEYED: Keyed[] = [...DEMO_ROLES, 'ebcB', 'agentB', 'pending', 'agentRead', 'agentDeclare'];
/**
 * Every caller of the matrix: the API keys above, no credential at all, and the demo agent's
 * console session (its cookie with the X-CSRF-Token, and the same cookie without it). agentNoCsrf
 * comes before agentSession: the last rows log the session out.
 */
type Principal = Keyed | 'anonymous' | 'agentNoCsrf' | 'agentSession';
const PRINCIPALS: Principal[] = [...KEYED, 'anonymous', 'agentNoCsrf', 'agentSession'];
/** The console session acts for the demo agent's enterprise with every scope: it reads and changes what the agent's key does. */
const SESSIONS: Principal[] = ['agentNoCsrf', 'agentSession'];

// --- who sends what ---------------------------------------------------------------------------------

const IMPORT_TYPES = ['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message', 'CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message'] as const;
const EXPORT_TYPES = ['CEB303Message', 'CEB403Message', 'CEB505Message', 'CEB507Message', 'CEB509Message', 'CEB603Message', 'CEB605Message', 'CEB607Message', 'CEB701Message', 'CEB213Message', 'CEB215Message'] as const;
type ImportType = (typeof IMPORT_TYPES)[number] | (typeof EXPORT_TYPES)[number];

/** The zone's policy, as the tests expect it: sender roles of each message type. */
const SENDERS: Record<ImportType, DemoRole[]> = {
  CEB303Message: ['ebp', 'ebc', 'overseas'],
  CEB403Message: ['ebc', 'payment'],
  CEB505Message: ['logistics'],
  CEB507Message: ['warehouse'],
  CEB509Message: ['logistics'],
  CEB603Message: ['agent', 'ebc'],
  CEB605Message: ['agent', 'ebc'],
  CEB607Message: ['ebc', 'agent', 'logistics'],
  CEB701Message: ['agent', 'ebc'],
  CEB213Message: ['agent', 'ebc'],
  CEB215Message: ['warehouse'],
  CEB311Message: ['ebp'],
  CEB411Message: ['payment'],
  CEB511Message: ['logistics'],
  CEB513Message: ['logistics'],
  CEB621Message: ['agent', 'ebc'],
  CEB623Message: ['agent', 'ebc'],
  CEB625Message: ['agent', 'ebc'],
  CEB711Message: ['warehouse'],
};

// --- who reads and changes what ---------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const UNSAFE = new Set<string>(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Row {
  method: Method;
  /**
   * With {placeholders}: {A.inventory} → a message id, {id:agentB} → an enterprise id, {id:self} →
   * the caller's own enterprise, {fresh:x} → a new unique value (see `fixtures`).
   */
  path: string;
  role: Principal;
  expect: number;
  /** Body, with {placeholders}: JSON unless `type` says otherwise (a body starting with < is XML). */
  body?: string;
  type?: string;
  /** For listings: where the answer holds them ('' for a bare array; default `items`), objects that must appear, and objects that must not. */
  list?: string;
  present?: string[];
  absent?: string[];
  /** For listings: the enterprise every listed object must belong to (its `enterpriseId`). */
  only?: string;
  /** The audit action a refusal is recorded with (a failed login); any other refusal leaves every table as it was. */
  audited?: string;
}

type Expectations = Partial<Record<Principal, number>> & { others: number };
interface Extra extends Partial<Omit<Row, 'role' | 'expect' | 'method'>> {
  /** Another path for some callers: their own object, changed for real, where the row's object must stay as it is for the others. */
  paths?: Partial<Record<Principal, string>>;
}

/**
 * The status of `role` under `e`: as listed, else no credential → 401, the session like the
 * agent's key (without X-CSRF-Token any change → 403), else `others`.
 */
function statusOf(role: Principal, method: Method, e: Expectations): number {
  const given = e[role];
  if (given !== undefined) return given;
  if (role === 'anonymous') return 401;
  if (role === 'agentNoCsrf' && UNSAFE.has(method)) return 403;
  if (SESSIONS.includes(role)) return e.agentSession ?? e.agent ?? e.others;
  return e.others;
}

/** One row per principal. */
const rows = (method: Method, path: string, e: Expectations, extra: Extra = {}): Row[] =>
  PRINCIPALS.map((role) => {
    const { paths, ...rest } = extra;
    return { method, path: paths?.[role] ?? path, role, expect: statusOf(role, method, e), ...rest };
  });
/** Rows for the principals named only. */
const some = (method: Method, path: string, e: Partial<Record<Principal, number>>, extra: Extra = {}): Row[] =>
  (Object.entries(e) as Array<[Principal, number]>).map(([role, expect]) => ({ method, path, role, expect, ...extra }));
/** Listing rows: what each principal must see and must not see of `all` (the session sees what the agent sees). */
const listing = (path: string, status: Expectations, sees: Partial<Record<Principal, string[]>>, all: string[], extra: Extra = {}): Row[] =>
  rows('GET', path, status, extra).map((r) => {
    if (r.expect !== 200) return r;
    const seen = sees[r.role] ?? (SESSIONS.includes(r.role) ? sees.agent : undefined) ?? [];
    return { ...r, present: seen, absent: all.filter((x) => !seen.includes(x)) };
  });

/** Those who read everything: the operator and regulators. Refused outright: the pending applicant and a key without the read scope. */
const READ_ALL = { operator: 200, customs: 200, commerce: 200 } as const;
const NO_READ = { pending: 403, agentDeclare: 403 } as const;
/** Changes need the manage scope; regulators change nothing. */
const NO_MANAGE = { agentRead: 403, agentDeclare: 403 } as const;
const REGULATORS_REFUSED = { customs: 403, commerce: 403 } as const;
/** requireWrite: approved, not a regulator, the scope. */
const NO_WRITE = { ...REGULATORS_REFUSED, ...NO_MANAGE, pending: 403 } as const;
/** The demo agent in all its forms. */
const AGENT = (status: number) => ({ agent: status, agentRead: status, agentSession: status, agentNoCsrf: status });
const STOCK_NOT_SHOWN = { ebp: 403, payment: 403, logistics: 403, agent: 403, agentRead: 403, agentB: 403, overseas: 403 } as const;
/** Enterprises with a signing key the platform holds: the demo zone's declaring enterprises (src/demo/keys) and agentB. */
const HOLD_KEYS = ['ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'agentB', 'agentDeclare', 'agentSession'] as const;
const HELD = (status: number): Partial<Record<Principal, number>> => Object.fromEntries(HOLD_KEYS.map((r) => [r, status]));
const READ_ALL_SEES = (all: string[]) => ({ operator: all, customs: all, commerce: all });
const RECEIPTS = ['A.agentReceipt', 'A.ebcReceipt', 'B.receipt'];
const DECLARED = ['A.inventoryRecord', 'A.ebcInventoryRecord', 'B.inventoryRecord'];
const STOCK = ['A.stock', 'B.stock'];
const WEBHOOKS = ['A.webhook', 'B.webhook'];
const PDF = '%PDF-1.4\n% matrix\n%%EOF\n';
const CONTACTS = '[{"name":"赵磊","phone":"0571-86000000","email":"matrix@example.com","role":"业务联系人"}]';
const PASSWORD = 'Lantern-and-7-quays';

const MATRIX: Row[] = [
  // Messages: the sender's own and those an agent declared in the caller's name (the demo agent's inventories name the demo ebc,
  // agentB's name ebcB); a bank's by such an enterprise's consent (the demo ebc consents to the demo bank); everyone's for the
  // operator and regulators.
  ...['', '/raw', '/envelope'].flatMap((view) => [
    ...rows('GET', `/api/v1/messages/{A.inventory}${view}`, { ...READ_ALL, ...NO_READ, agent: 200, agentRead: 200, ebc: 200, bank: 200, others: 404 }),
    ...rows('GET', `/api/v1/messages/{A.ebcInventory}${view}`, { ...READ_ALL, ...NO_READ, ebc: 200, bank: 200, others: 404 }),
    ...rows('GET', `/api/v1/messages/{B.inventory}${view}`, { ...READ_ALL, ...NO_READ, agentB: 200, ebcB: 200, others: 404 }),
  ]),
  // The declarations list (workbench): records visible as their messages are; a bad parameter is refused after authentication.
  ...listing('/api/v1/declarations?type=CEB621Message&limit=200', { ...NO_READ, others: 200 }, {
    ...READ_ALL_SEES(DECLARED), agent: ['A.inventoryRecord'], agentRead: ['A.inventoryRecord'], ebc: ['A.inventoryRecord', 'A.ebcInventoryRecord'],
    bank: ['A.inventoryRecord', 'A.ebcInventoryRecord'], agentB: ['B.inventoryRecord'], ebcB: ['B.inventoryRecord'],
  }, DECLARED),
  ...rows('GET', '/api/v1/declarations?limit=0', { ...NO_READ, others: 400 }),
  // Sending: every demo role × message type is the SENDERS table above; here the callers it leaves out.
  ...some('POST', '/api/v1/messages', { anonymous: 401, agentNoCsrf: 403, pending: 403, agentRead: 403, ebcB: 403 }, { body: '{A.inventoryXml}' }),
  // Receipts feed.
  ...listing('/api/v1/receipts?limit=1000', { ...NO_READ, others: 200 }, {
    operator: RECEIPTS, customs: RECEIPTS, commerce: RECEIPTS,
    agent: ['A.agentReceipt'], agentRead: ['A.agentReceipt'], ebc: ['A.agentReceipt', 'A.ebcReceipt'], bank: ['A.agentReceipt', 'A.ebcReceipt'],
    agentB: ['B.receipt'], ebcB: ['B.receipt'],
  }, RECEIPTS),
  ...listing('/api/v1/receipts?limit=1000&enterpriseId={id:agentB}', { ...NO_READ, ...READ_ALL, agentB: 200, others: 403 }, {
    operator: ['B.receipt'], customs: ['B.receipt'], commerce: ['B.receipt'], agentB: ['B.receipt'],
  }, RECEIPTS),
  ...listing('/api/v1/receipts?limit=1000&enterpriseId={id:ebc}', { ...NO_READ, ...READ_ALL, ebc: 200, bank: 200, others: 403 }, {
    ...READ_ALL_SEES(['A.agentReceipt', 'A.ebcReceipt']), ebc: ['A.agentReceipt', 'A.ebcReceipt'], bank: ['A.agentReceipt', 'A.ebcReceipt'],
  }, RECEIPTS),
  // Stock: warehouses what they keep, owners what they own, a bank by consent.
  ...listing('/api/v1/stock', { ...NO_READ, ...STOCK_NOT_SHOWN, others: 200 }, {
    operator: STOCK, customs: STOCK, commerce: STOCK, warehouse: STOCK, ebc: ['A.stock'], bank: ['A.stock'], ebcB: ['B.stock'],
  }, STOCK),
  ...rows('GET', '/api/v1/stock/{A.stock}', { ...NO_READ, ...STOCK_NOT_SHOWN, ...READ_ALL, warehouse: 200, ebc: 200, bank: 200, others: 404 }),
  ...rows('GET', '/api/v1/stock/{B.stock}', { ...NO_READ, ...STOCK_NOT_SHOWN, ...READ_ALL, warehouse: 200, ebcB: 200, others: 404 }),
  ...rows('POST', '/api/v1/stock/in', { warehouse: 200, others: 403 }, { body: '{"items":[{"emsNo":"{A.emsNo}","itemRecordNo":"{A.itemRecordNo}","ownerCode":"{code:ebc}","qty":"1"}]}' }),
  // Webhooks: an enterprise's own configuration; regulators and keys without the manage scope change nothing.
  ...rows('POST', '/api/v1/webhooks', { ...NO_WRITE, others: 201 }, { body: '{"url":"http://127.0.0.1:9/matrix"}' }),
  ...listing('/api/v1/webhooks', { ...NO_READ, others: 200 }, { agent: ['A.webhook'], agentRead: ['A.webhook'], agentB: ['B.webhook'] }, WEBHOOKS),
  ...rows('GET', '/api/v1/webhooks/{B.webhook}/deliveries', { ...NO_READ, agentB: 200, others: 404 }),
  ...rows('DELETE', '/api/v1/webhooks/{B.webhook}', { ...NO_WRITE, agentB: 204, others: 404 }, { paths: { agentB: '/api/v1/webhooks/{B.webhookToDelete}' } }),
  // Pre-check: for enterprises that declare; it reads other enterprises' documents only for a party.
  ...rows('POST', '/api/v1/precheck', { agent: 200, agentDeclare: 200, ebp: 200, customs: 403, commerce: 403, operator: 403, bank: 403, pending: 403, agentRead: 403, others: 200 }, { body: '{A.inventoryXml}' }),

  // Summary declaration: an enterprise's proposals; requests of which it is consignor or declarant (a bank by the consignor's
  // consent), regulators everyone's. Only e-commerce enterprises and their agents send CEB701s (-10101 for the rest).
  ...rows('GET', '/api/v1/summaries/proposals', { ...NO_READ, others: 200 }),
  ...listing('/api/v1/summaries', { ...NO_READ, others: 200 }, {
    ...READ_ALL_SEES(['A.summary']), agent: ['A.summary'], agentRead: ['A.summary'], ebc: ['A.summary'], bank: ['A.summary'],
  }, ['A.summary'], { list: 'summaries' }),
  ...rows('GET', '/api/v1/summaries/{A.summary}', { ...NO_READ, ...READ_ALL, ...AGENT(200), ebc: 200, bank: 200, others: 404 }),
  ...rows('POST', '/api/v1/summaries', { ...NO_WRITE, ebc: 404, agent: 404, agentDeclare: 404, agentSession: 404, ebcB: 404, agentB: 404, others: 403 }, { body: '{"key":"2924/2924/3301966A01/9610/5/502/2000-01/F10"}' }),

  // Statistics (统计监测): the operator and regulators read the snapshot and its live stream (the first event of it); the status page is public.
  ...rows('GET', '/api/v1/statistics?window=24h', { ...READ_ALL, others: 403 }),
  ...rows('GET', '/api/v1/statistics/stream?window=1h', { ...READ_ALL, others: 403 }),
  ...rows('GET', '/api/v1/status', { anonymous: 200, others: 200 }),

  // Overseas-warehouse directory: public to read; kept by the overseas-warehouse enterprise (the operator corrects any).
  ...rows('GET', '/api/v1/warehouses', { anonymous: 200, others: 200 }),
  ...rows('GET', '/api/v1/warehouses/{A.warehouse}', { anonymous: 200, others: 200 }),
  ...rows('POST', '/api/v1/warehouses', { overseas: 201, others: 403 }, { body: '{C.warehouse}' }),
  ...rows('PUT', '/api/v1/warehouses/{A.warehouse}', { overseas: 200, operator: 200, others: 403 }, { body: '{C.warehouseUpdate}' }),
  ...rows('DELETE', '/api/v1/warehouses/{A.warehouse}', { overseas: 204, operator: 204, others: 403 }, { paths: { overseas: '/api/v1/warehouses/{A.warehouseToDelete}', operator: '/api/v1/warehouses/{A.warehouseForOperator}' } }),
  ...rows('POST', '/api/v1/warehouses/import', { overseas: 200, others: 403 }, { body: '{C.warehouseCsv}', type: 'text/csv' }),

  // Tax-refund ledger: rates for every credential, changed by the operator; entries of one's own, regulators everyone's
  // (not shared with a bank by consent); invoices, sales and claims on one's own entries only.
  ...rows('GET', '/api/v1/refund-rates', { others: 200 }),
  ...rows('PUT', '/api/v1/refund-rates', { operator: 200, others: 403 }, { body: '{C.refundRates}' }),
  ...listing('/api/v1/refunds/ledger?limit=500', { ...NO_READ, others: 200 }, { ...READ_ALL_SEES(['A.entry']), ebc: ['A.entry'] }, ['A.entry']),
  ...rows('GET', '/api/v1/refunds/ledger.csv?month={A.month}', { ...NO_READ, others: 200 }),
  ...rows('GET', '/api/v1/refunds/totals?from={A.month}&to={A.month}', { ...NO_READ, others: 200 }),
  ...rows('GET', '/api/v1/refunds/ledger?enterpriseId={id:ebc}', { ...NO_READ, ...READ_ALL, ebc: 200, others: 403 }),
  ...rows('POST', '/api/v1/refunds/claims', { ...NO_WRITE, agentDeclare: 404, ebc: 409, others: 404 }, { body: '{"entries":[{A.entry}],"period":"{A.month}"}' }),
  ...rows('POST', '/api/v1/refunds/sales', { ...NO_WRITE, agentDeclare: 404, ebc: 409, others: 404 }, { body: '{"invtNo":"{A.invtNo}","gnum":1,"qty":"1","saleDate":"{A.today}","orderNo":"MATRIX-1"}' }),
  ...rows('POST', '/api/v1/refunds/invoices', { ...NO_WRITE, agentDeclare: 404, ebc: 409, others: 404 }, { body: '{C.invoice}' }),

  // Filing: the enterprise itself, the operator and regulators read it; others get 404 (its existence is not disclosed).
  ...listing('/api/v1/enterprises?limit=500', { agentDeclare: 403, others: 200 }, {
    operator: ['id:agent', 'id:agentB'], customs: ['id:agent', 'id:agentB'], commerce: ['id:agent', 'id:agentB'], agent: ['id:agent'], agentRead: ['id:agent'], agentB: ['id:agentB'],
  }, ['id:agent', 'id:agentB'], { list: 'enterprises' }).map((r) => (r.expect === 200 ? { ...r, present: [...r.present!, 'id:self'] } : r)),
  ...['', '/history', '/documents'].flatMap((view) => [
    ...rows('GET', `/api/v1/enterprises/{id:self}${view}`, { agentDeclare: 403, others: 200 }),
    ...rows('GET', `/api/v1/enterprises/{id:agentB}${view}`, { ...READ_ALL, agentDeclare: 403, agentB: 200, others: 404 }),
  ]),
  ...listing('/api/v1/enterprises/{id:agentB}/documents', { ...READ_ALL, agentDeclare: 403, agentB: 200, others: 404 }, {
    operator: ['B.document'], customs: ['B.document'], commerce: ['B.document'], agentB: ['B.document'],
  }, ['B.document', 'A.document'], { list: 'documents' }),
  ...rows('GET', '/api/v1/enterprises/{id:agentB}/documents/{B.document}', { ...READ_ALL, agentDeclare: 403, agentB: 200, others: 404 }),
  // A document of B under A's filing: no such pair, for anyone.
  ...rows('GET', '/api/v1/enterprises/{id:agent}/documents/{B.document}', { agentDeclare: 403, others: 404 }),
  // Editing a filing: the enterprise itself (an approved one its contacts only) and the operator.
  ...rows('PATCH', '/api/v1/enterprises/{id:agentB}', { ...REGULATORS_REFUSED, ...NO_MANAGE, operator: 200, agentB: 200, others: 404 }, { body: `{"contacts":${CONTACTS}}` }),
  ...rows('PATCH', '/api/v1/enterprises/{id:self}', { ...REGULATORS_REFUSED, ...NO_MANAGE, others: 200 }, { body: `{"contacts":${CONTACTS}}` }),
  // Nobody makes itself an operator: applicants' roles exclude it, an approved filing's roles are locked.
  ...rows('PATCH', '/api/v1/enterprises/{id:self}', { ...REGULATORS_REFUSED, ...NO_MANAGE, operator: 200, others: 400 }, { body: '{"roles":["operator"]}' }),
  ...rows('POST', '/api/v1/enterprises/{id:agentB}/documents?kind=other&filename=matrix.pdf', { ...REGULATORS_REFUSED, ...NO_MANAGE, operator: 201, agentB: 201, others: 404 }, { body: PDF, type: 'application/pdf' }),
  ...rows('POST', '/api/v1/enterprises/{id:self}/documents?kind=other&filename=matrix.pdf', { ...REGULATORS_REFUSED, ...NO_MANAGE, others: 201 }, { body: PDF, type: 'application/pdf' }),
  // Review and direct filing: the operator alone (it rejects a spare applicant; the others' refusals leave `pending` pending).
  ...rows('POST', '/api/v1/enterprises/{id:pending}/review', { operator: 200, others: 403 }, { body: '{"decision":"reject","reason":"Matrix: the licence is illegible."}', paths: { operator: '/api/v1/enterprises/{C.applicant}/review' } }),
  ...some('POST', '/api/v1/enterprises/{id:operator}/review', { operator: 403 }, { body: '{"decision":"suspend","reason":"Matrix: itself."}' }),
  ...rows('POST', '/api/v1/enterprises', { operator: 201, others: 403 }, { body: '{C.newEnterprise}' }),
  // Public by design: an application needs no credential; a customs code filed already is 409.
  ...some('POST', '/api/v1/filings', { anonymous: 201 }, { body: '{C.application}' }),
  ...some('POST', '/api/v1/filings', { anonymous: 409 }, { body: '{C.duplicateApplication}' }),

  // API keys: an enterprise's own (manage scope); the operator lists and revokes any. Regulators manage their own keys
  // (their only way to replace one), never anyone else's: another enterprise's key id is 404 for them as for everyone.
  ...listing('/api/v1/keys', { ...NO_MANAGE, others: 200 }, { agent: ['A.key'], agentB: ['B.key', 'B.spareKey'] }, ['A.key', 'B.key', 'B.spareKey'], { list: 'keys' }),
  ...listing('/api/v1/keys?enterpriseId={id:agentB}', { ...NO_MANAGE, operator: 200, agentB: 200, others: 403 }, { operator: ['B.key', 'B.spareKey'], agentB: ['B.key', 'B.spareKey'] }, ['A.key', 'B.key'], { list: 'keys' }),
  ...rows('POST', '/api/v1/keys', { ...NO_MANAGE, others: 201 }, { body: '{"label":"matrix","scopes":["read"]}' }),
  ...rows('POST', '/api/v1/keys/{B.spareKey}/rotate', { ...NO_MANAGE, agentB: 201, others: 404 }, { body: '{}', paths: { agentB: '/api/v1/keys/{B.keyToRotate}/rotate' } }),
  ...rows('DELETE', '/api/v1/keys/{B.spareKey}', { ...NO_MANAGE, agentB: 200, operator: 200, others: 404 }, { paths: { agentB: '/api/v1/keys/{B.keyToRevoke}', operator: '/api/v1/keys/{B.keyForOperator}' } }),

  // Delegations (to a spare agent C, so nobody's declarations change) and consents (to a spare bank C, so the demo bank reads no more than before).
  ...rows('POST', '/api/v1/delegations', { ...NO_WRITE, others: 201 }, { body: '{"agentCode":"{C.agentCode}","scope":["CEB621Message"],"validTo":"{C.validTo}"}' }),
  ...listing('/api/v1/delegations', { agentDeclare: 403, others: 200 }, {
    ...READ_ALL_SEES(['A.delegation', 'B.delegation']), ebc: ['A.delegation'], agent: ['A.delegation'], agentRead: ['A.delegation'], ebcB: ['B.delegation'], agentB: ['B.delegation'],
  }, ['A.delegation', 'B.delegation'], { list: 'delegations' }),
  ...rows('DELETE', '/api/v1/delegations/{B.delegation}', { ...NO_WRITE, pending: 404, agentB: 403, ebcB: 200, operator: 200, others: 404 }, {
    paths: { ebcB: '/api/v1/delegations/{B.delegationForEbcB}', operator: '/api/v1/delegations/{B.delegationForOperator}' },
  }),
  ...rows('POST', '/api/v1/consents', { ...NO_WRITE, others: 201 }, { body: '{"bankCode":"{C.bankCode}","scope":["receipts"],"validTo":"{C.validTo}"}' }),
  ...listing('/api/v1/consents', { agentDeclare: 403, others: 200 }, {
    ...READ_ALL_SEES(['A.consent', 'B.consent']), ebc: ['A.consent'], bank: ['A.consent'], ebcB: ['B.consent'],
  }, ['A.consent', 'B.consent'], { list: 'consents' }),
  ...rows('DELETE', '/api/v1/consents/{B.consent}', { ...NO_WRITE, pending: 404, ebcB: 200, operator: 200, others: 404 }, {
    paths: { ebcB: '/api/v1/consents/{B.consentForEbcB}', operator: '/api/v1/consents/{B.consentForOperator}' },
  }),
  // The bank a consent names reads by it and does not revoke it.
  ...rows('DELETE', '/api/v1/consents/{A.consent}', { ...NO_WRITE, pending: 404, bank: 403, others: 404 }).filter((r) => r.role !== 'ebc' && r.role !== 'operator'),

  // Console accounts: an enterprise its own staff (manage scope); the operator any enterprise's; regulators' by the operator only.
  ...rows('POST', '/api/v1/accounts', { ...NO_WRITE, pending: 201, others: 201 }, { body: `{"username":"{fresh:user}","displayName":"Matrix","password":"${PASSWORD}"}` }),
  ...rows('POST', '/api/v1/accounts', { ...NO_WRITE, pending: 403, operator: 201, agentB: 201, others: 403 }, { body: `{"username":"{fresh:user}","displayName":"Matrix","password":"${PASSWORD}","enterpriseId":{id:agentB}}` }),
  ...listing('/api/v1/accounts?limit=1000', { ...NO_MANAGE, others: 200 }, { operator: ['A.staff', 'B.staff'], agent: ['A.staff'], agentB: ['B.staff'] }, ['A.staff', 'B.staff'], { list: 'accounts' }),
  ...listing('/api/v1/accounts?limit=1000&enterpriseId={id:agentB}', { ...NO_MANAGE, operator: 200, agentB: 200, others: 403 }, { operator: ['B.staff'], agentB: ['B.staff'] }, ['A.staff', 'B.staff'], { list: 'accounts' }),
  // A password is reset by the account's own enterprise; the operator sees the account and is refused.
  ...rows('POST', '/api/v1/accounts/{B.staff}/password', { agentB: 200, operator: 403, others: 404 }, { body: `{"newPassword":"${PASSWORD}"}` }),
  ...rows('POST', '/api/v1/accounts/{A.staff}/password', { ...AGENT(200), ...NO_MANAGE, agentNoCsrf: 403, operator: 403, others: 404 }, { body: `{"newPassword":"${PASSWORD}"}` }),
  ...['disable', 'enable'].flatMap((verb) => [
    ...rows('POST', `/api/v1/accounts/{B.staff}/${verb}`, { ...REGULATORS_REFUSED, ...NO_MANAGE, agentB: 200, operator: 200, others: 404 }),
    ...rows('POST', `/api/v1/accounts/{A.staff}/${verb}`, { ...REGULATORS_REFUSED, ...AGENT(200), ...NO_MANAGE, agentNoCsrf: 403, operator: 200, others: 404 }),
  ]),
  // Console sessions: public login; the session reads itself by its cookie only (a key is not a session).
  ...some('POST', '/api/v1/session', { anonymous: 201 }, { body: '{"username":"{A.username}","password":"{A.password}"}' }),
  ...some('POST', '/api/v1/session', { anonymous: 401 }, { body: `{"username":"matrix-nobody","password":"${PASSWORD}"}`, audited: 'login.failed' }),
  ...rows('GET', '/api/v1/session', { agentSession: 200, agentNoCsrf: 200, others: 401 }),

  // Certificates: registered by the enterprise they name; another enterprise's certificate is refused whoever sends it.
  ...rows('POST', '/api/v1/certificates', { ...NO_WRITE, agentB: 409, others: 403 }, { body: '{B.certPem}', type: 'application/x-pem-file' }),
  ...some('POST', '/api/v1/certificates', { agentB: 201 }, { body: '{B.certNew}', type: 'application/x-pem-file' }),
  ...listing('/api/v1/certificates', { ...NO_READ, others: 200 }, { ...READ_ALL_SEES(['A.cert', 'B.cert']), agent: ['A.cert'], agentRead: ['A.cert'], agentB: ['B.cert'] }, ['A.cert', 'B.cert'], { list: '' }),
  // Signing keys: only for a certificate of one's own.
  ...rows('POST', '/api/v1/signing-keys', { ...NO_WRITE, agentB: 409, others: 403 }, { body: '{B.keyPairStored}' }),
  ...some('POST', '/api/v1/signing-keys', { agentB: 201 }, { body: '{B.keyPair}' }),
  ...listing('/api/v1/signing-keys', { ...NO_READ, others: 200 }, { ...READ_ALL_SEES(['A.signingKey', 'B.signingKey']), agent: ['A.signingKey'], agentRead: ['A.signingKey'], agentB: ['B.signingKey'] }, ['A.signingKey', 'B.signingKey'], { list: '' }),
  // Signing as a service: one's own messages only (another's copCode → 403); an enterprise without a key held → 404.
  ...rows('POST', '/api/v1/signatures', { ...NO_WRITE, ...HELD(403), agentB: 200, others: 404 }, { body: '{B.unsigned}' }),
  ...rows('POST', '/api/v1/signatures', { ...NO_WRITE, ...HELD(403), agent: 200, agentDeclare: 200, agentSession: 200, others: 404 }, { body: '{A.unsigned}' }),
  ...rows('DELETE', '/api/v1/signing-keys/{B.signingKey}', { ...NO_WRITE, agentB: 200, operator: 200, others: 404 }, {
    paths: { agentB: '/api/v1/signing-keys/{B.signingKeyToDisable}', operator: '/api/v1/signing-keys/{B.signingKeyForOperator}' },
  }),
  ...rows('DELETE', '/api/v1/certificates/{B.cert}', { ...NO_WRITE, agentB: 200, operator: 200, others: 404 }, {
    paths: { agentB: '/api/v1/certificates/{B.certToRevoke}', operator: '/api/v1/certificates/{B.certForOperator}' },
  }),

  // Audit log: an enterprise its own entries; the operator and regulators all, and they alone verify the chain.
  ...rows('GET', '/api/v1/audit?limit=1000', { agentDeclare: 403, others: 200 }, { list: 'entries', only: 'id:self' }).map((r) => (r.role in READ_ALL ? { ...r, only: undefined } : r)),
  ...rows('GET', '/api/v1/audit?limit=1000&enterpriseId={id:agentB}', { ...READ_ALL, agentDeclare: 403, agentB: 200, others: 403 }, { list: 'entries', only: 'id:agentB' }),
  ...rows('GET', '/api/v1/audit/verify', { ...READ_ALL, others: 403 }),

  // Tariff: reference data for every credential; imports by the operator alone.
  ...['/api/v1/tariff/rates', '/api/v1/tariff/positive-list', '/api/v1/tariff/lookup/3304990000'].flatMap((path) => rows('GET', path, { others: 200 })),
  ...rows('POST', '/api/v1/tariff/rates', { operator: 200, others: 403 }, { body: '{C.rates}' }),
  ...rows('POST', '/api/v1/tariff/positive-list', { operator: 200, others: 403 }, { body: '{C.positive}' }),

  // Operator pages: the tariff tables as CSV for the operator and regulators; the sandbox customs' scenario rules, the operator's alone.
  ...['/api/v1/tariff/rates.csv', '/api/v1/tariff/positive-list.csv'].flatMap((path) => rows('GET', path, { ...READ_ALL, others: 403 })),
  ...rows('GET', '/api/v1/sandbox/scenarios', { operator: 200, others: 403 }),
  ...rows('PUT', '/api/v1/sandbox/scenarios', { operator: 200, others: 403 }, { body: '[]' }),

  // The customs side of the gateway takes the customs token: no enterprise credential is one.
  ...rows('POST', '/api/v1/customs/receipts', { agentNoCsrf: 401, others: 401 }, { body: '<CEB312Message/>' }),

  // Last: logging out. Without X-CSRF-Token the session survives; with it, it ends; without a session there is nothing to end.
  ...rows('DELETE', '/api/v1/session', { agentNoCsrf: 403, anonymous: 204, others: 204 }),
  ...some('GET', '/api/v1/session', { agentSession: 401, agentNoCsrf: 401 }),
];

// --- messages -------------------------------------------------------------------------------------

/** The same message transmitted by `p`: its BaseTransfer rewritten (a signature no longer matches, which the role check never reaches). */
function transmittedBy(xml: string, p: Party): string {
  return xml.replace(/<ceb:BaseTransfer>[\s\S]*?<\/ceb:BaseTransfer>/, (bt) =>
    bt.replace(/(<ceb:copCode>)[^<]*/, `$1${p.code}`).replace(/(<ceb:copName>)[^<]*/, `$1${p.name}`).replace(/(<ceb:dxpId>)[^<]*/, `$1${p.dxpId}`));
}

/** 运单状态 (CEB513): the parcel of `f` signed for. */
function waybillStatus(f: Flow, logistics: Party): string {
  const guid = crypto.randomUUID().toUpperCase();
  const now = cstTime14(new Date());
  return buildDocument(MESSAGES.CEB513Message, {
    guid,
    version: '1.0',
    LogisticsStatus: [{ guid, appType: '1', appTime: now, appStatus: '2', logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo: f.logisticsNo, logisticsStatus: 'S', logisticsTime: now }],
    BaseTransfer: { copCode: logistics.code, copName: logistics.name, dxpMode: 'DXP', dxpId: logistics.dxpId },
  }, { prefix: 'ceb' });
}

/** An SM2 key and a certificate for `code` from the sandbox CA, as scripts/gen-demo-keys.sh makes them. */
function issueCertificate(dir: string, code: string, name: string): { privateKeyPem: string; certPem: string } {
  const file = (n: string) => path.join(dir, n);
  fs.writeFileSync(file('x509.cnf'), '[req]\ndistinguished_name = dn\nutf8 = yes\nstring_mask = utf8only\n[dn]\n[ee]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n');
  const distid = 'distid:1234567812345678';
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', file('key.pem'));
  ssl('req', '-new', '-config', file('x509.cnf'), '-key', file('key.pem'), '-sm3', '-sigopt', distid, '-utf8', '-subj', `/C=CN/O=${name}/CN=${code}/serialNumber=${code}`, '-out', file('req.csr'));
  ssl('x509', '-req', '-in', file('req.csr'), '-vfyopt', distid, '-CA', path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.pem'), '-CAkey', path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.key.pem'),
    '-sm3', '-sigopt', distid, '-extfile', file('x509.cnf'), '-extensions', 'ee', '-days', '30', '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`, '-out', file('cert.pem'));
  return { privateKeyPem: fs.readFileSync(file('key.pem'), 'utf8'), certPem: fs.readFileSync(file('cert.pem'), 'utf8') };
}

interface ErrorBody {
  error: { code: string; message: string; returnStatus?: string; returnInfo?: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface Shown {
  status: string;
  records: Array<{ id: number; status: string; invtNo: string | null }>;
  receipts: Array<{ id: number; messageType: string; returnStatus: string }>;
}

const uscc = (body17: string) => body17 + usccCheckChar(body17);
const TENANT_B = {
  ebcB: { code: '3302966B01', name: '宁波甬优跨境贸易有限公司', dxpId: 'DXPENT0000022002', uscc: uscc('91330200MA2B0B01X') },
  agentB: { code: '3302980B02', name: '宁波甬通报关代理有限公司', dxpId: 'DXPENT0000022006', uscc: uscc('91330200MA2B0B02X') },
} as const;
const EMS_B = 'T3102W000456';

const PENDING = { code: '3303964P01', name: '温州待审电商平台有限公司', dxpId: 'DXPENT0000033001', uscc: uscc('91330300MA2C0P01X') };
/** Enterprises for the rows' own use: grants go to agentC and bankC, the operator rejects `applicant`, rows file the rest. */
const SPARE = {
  agentC: { code: '3302980C03', name: '宁波甬达报关代理有限公司', dxpId: 'DXPENT0000022010', uscc: uscc('91330200MA2B0C03X') },
  bankC: { code: '3302B0C004', name: '宁波甬商银行股份有限公司', dxpId: 'DXPENT0000022011', uscc: uscc('91330200MA2B0C04X') },
  applicant: { code: '3303966R05', name: '温州待拒电商企业有限公司', dxpId: 'DXPENT0000033002', uscc: uscc('91330300MA2C0R05X') },
  direct: { code: '3302960D06', name: '宁波甬海海外仓储有限公司', dxpId: 'DXPENT0000022012', uscc: uscc('91330200MA2B0D06X') },
  application: { code: '3303980E07', name: '温州瓯越国际物流有限公司', dxpId: 'DXPENT0000033003', uscc: uscc('91330300MA2C0E07X') },
  duplicate: { code: '', name: '温州重复申请物流有限公司', dxpId: 'DXPENT0000033004', uscc: uscc('91330300MA2C0F08X') },
} as const;

/**
 * Routes under /api/v1 the matrix leaves out, each with its reason ("METHOD /url": why). None:
 * every route has rows, the public ones (POST /api/v1/filings, POST /api/v1/session) and the
 * customs side of the gateway included. Not counted: HEAD (Fastify's twin of each GET) and routes
 * outside /api/v1 (/healthz, /docs), which serve no enterprise's data.
 */
const EXEMPT: Record<string, string> = {};

/** Method and URL of every route in Fastify's printRoutes tree (commonPrefix: false): each level indents by 4 characters. */
function registeredRoutes(tree: string): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─\s]*)(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || !m[2].trim()) continue;
    const depth = m[1].length / 4 - 1;
    stack.length = depth;
    stack.push(m[2]);
    for (const method of m[3]?.split(', ') ?? []) out.push({ method, url: stack.join('') });
  }
  return out;
}


describe.each(databases())('authorization matrix on %s', (kind) => {
  let p: Platform;
  let certDir: { path: string; cleanup(): void };
  const keys = {} as Record<Keyed, string>;
  const parties = {} as Record<Principal, Party & { id: number }>;
  /** Placeholder → value (ids, codes, keys of listed objects, bodies). */
  const fixtures = new Map<string, string>();
  /** The demo agent's console session: its cookie and CSRF token. */
  const session = { cookie: '', csrf: '' };
  /** Released inventories, by declarant, for the cancels and returns its senders may send. */
  const released: Partial<Record<'agent' | 'ebc', Array<{ f: Flow; invtNo: string }>>> = {};
  /** Released (not departed) export inventories, by declarant, for the export cancels and returns its senders may send. */
  const releasedExport: Partial<Record<'agent' | 'ebc', { f: ExportFlow; invtNo: string }>> = {};
  let agentBKey: { algorithm: 'sm2-sm3'; privateKeyPem: string; certificateDer: Buffer };
  let seed = 7000;
  let fresh = 0;

  const resolve = (text: string, role: Principal = 'agent') => text.replace(/\{([A-Za-z]+[.:][A-Za-z]+)\}/g, (m, name: string) => {
    if (name === 'id:self') return String(parties[role].id);
    if (name.startsWith('fresh:')) return `matrix-${name.slice(6)}-${kind}-${++fresh}-${crypto.randomBytes(3).toString('hex')}`;
    const v = fixtures.get(name);
    if (v === undefined) throw new Error(`no fixture ${m}`);
    return v;
  });
  const call = (method: string, url: string, key: string | undefined, body?: string, type = 'application/json') =>
    p.request(method, url, { key, ...(body !== undefined ? { body, type } : {}) });
  /** A request as `who`: its API key, its session cookie (with or without X-CSRF-Token), or nothing. */
  const by = async (who: Principal, method: string, url: string, body?: string, type = 'application/json') => {
    const headers: Record<string, string> = {};
    if (who === 'agentSession' || who === 'agentNoCsrf') headers.cookie = `sg_session=${session.cookie}`;
    else if (who !== 'anonymous') headers.authorization = `Bearer ${keys[who]}`;
    if (who === 'agentSession') headers['x-csrf-token'] = session.csrf;
    if (body !== undefined) headers['content-type'] = type;
    const res = await fetch(p.url + url, { method, headers, body });
    const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? await firstEvent(res) : await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as unknown };
  };
  /** A Server-Sent Events stream never ends by itself: its first `data:` event (JSON), then the stream is dropped. */
  const firstEvent = async (res: Response) => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      const data = /^data: (.*)$/m.exec(buffer);
      if (data && buffer.includes('\n\n', data.index)) {
        await reader.cancel();
        return data[1];
      }
    }
    return buffer;
  };
  const created = async <T = { id: number }>(who: Keyed | 'anonymous', url: string, body: string, type = 'application/json'): Promise<T> => {
    const res = await by(who, 'POST', url, body, type);
    expect(res.status, `${who} POST ${url}: ${res.text}`).toBe(201);
    return res.json() as T;
  };
  const send = (who: Keyed, xml: string) => call('POST', '/api/v1/messages', keys[who], xml, 'application/xml');
  const count = async () => Number((await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /**
   * What a refused change must leave as it was: every filing, key, grant, account, session,
   * certificate, signing key, document, webhook, stock booking, tariff row, message and audit
   * entry (columns that background work or mere use touch, like last use, are left out).
   */
  const state = async (): Promise<Record<string, string>> => {
    const db = p.app.db.kysely;
    const tables = {
      enterprises: db.selectFrom('enterprises').select(['id', 'code', 'name', 'uscc', 'dxp_id', 'roles', 'status', 'contacts', 'updated_at']).orderBy('id'),
      api_keys: db.selectFrom('api_keys').select(['id', 'enterprise_id', 'scopes', 'label', 'expires_at', 'revoked_at']).orderBy('id'),
      delegations: db.selectFrom('delegations').select(['id', 'principal_id', 'agent_id', 'scope', 'valid_to', 'revoked_at']).orderBy('id'),
      consents: db.selectFrom('consents').select(['id', 'enterprise_id', 'bank_id', 'scope', 'valid_to', 'revoked_at']).orderBy('id'),
      accounts: db.selectFrom('accounts').select(['id', 'enterprise_id', 'username', 'password_hash', 'disabled_at', 'password_changed_at']).orderBy('id'),
      sessions: db.selectFrom('sessions').select(['id', 'account_id', 'revoked_at']).orderBy('id'),
      certificates: db.selectFrom('certificates').select(['id', 'enterprise_id', 'purpose', 'revoked_at']).orderBy('id'),
      signing_keys: db.selectFrom('signing_keys').select(['id', 'enterprise_id', 'certificate_id', 'disabled_at', 'uses']).orderBy('id'),
      enterprise_documents: db.selectFrom('enterprise_documents').select(['id', 'enterprise_id', 'sha256']).orderBy('id'),
      enterprise_events: db.selectFrom('enterprise_events').select(['id']).orderBy('id'),
      webhooks: db.selectFrom('webhooks').select(['id', 'enterprise_id', 'url', 'active']).orderBy('id'),
      stock_in: db.selectFrom('stock_moves').select(['id']).where('kind', '=', 'in').orderBy('id'),
      tax_rates: db.selectFrom('tax_rates').select(['hs_prefix', 'vat_ppm', 'consumption_ppm', 'duty_ppm', 'note', 'updated_at']).orderBy('hs_prefix'),
      positive_list: db.selectFrom('positive_list').select(['hs_prefix', 'name', 'note', 'updated_at']).orderBy('hs_prefix'),
      messages: db.selectFrom('messages').select(['id']).orderBy('id'),
      summaries: db.selectFrom('summaries').select(['id', 'status']).orderBy('id'),
      overseas_warehouses: db.selectFrom('overseas_warehouses').select(['id', 'name', 'area_m2', 'updated_at']).orderBy('id'),
      refund_rates: db.selectFrom('refund_rates').select(['hs_prefix', 'valid_from', 'rate_bp']).orderBy('hs_prefix').orderBy('valid_from'),
      refund_entries: db.selectFrom('refund_entries').select(['id', 'status', 'claimable_fen', 'claimed_fen']).orderBy('id'),
      refund_invoices: db.selectFrom('refund_invoices').select(['id']).orderBy('id'),
      refund_sales: db.selectFrom('refund_sales').select(['id']).orderBy('id'),
      sandbox_scenarios: db.selectFrom('sandbox_scenarios').select(['rules', 'updated_at']).orderBy('id'),
      audit_log: db.selectFrom('audit_log').select(['seq', 'action']).orderBy('seq', 'desc').limit(1),
    };
    const out: Record<string, string> = {};
    await Promise.all(Object.entries(tables).map(async ([name, q]) => (out[name] = JSON.stringify(await q.execute()))));
    return out;
  };
  /** The tables of `after` that differ from `before`. */
  const changed = (before: Record<string, string>, after: Record<string, string>) => Object.keys(before).filter((t) => before[t] !== after[t]);
  const show = async (who: Keyed, id: number) => (await call('GET', `/api/v1/messages/${id}`, keys[who])).json() as Shown;
  const accepted = async (who: Keyed, xml: string): Promise<number> => {
    const res = await send(who, xml);
    expect(res.status, `${who}: ${res.text}`).toBe(202);
    return (res.json() as { id: number }).id;
  };
  const until = (who: Keyed, id: number, pred: (s: Shown) => boolean, what: string) =>
    eventually(async () => {
      const s = await show(who, id);
      return pred(s) && s;
    }, 30_000, what);

  /** A 1210 parcel with its documents and stock, declared by `declarant` (the agent for `parties.ebc`, or the ebc itself), through to release. */
  async function releasedFlow(who: 'agent' | 'ebc' | 'agentB', flowParties: Parties, emsNo?: string): Promise<{ f: Flow; id: number; invtNo: string }> {
    const f = makeFlow(flowParties, { mode: '1210', seed: seed++, ...(emsNo ? { emsNo } : {}) });
    const head = f.inventory.InventoryHead as Record<string, string>;
    const items = (f.inventory.InventoryList as Array<Record<string, string>>).map((l) => ({ emsNo: head.emsNo, itemRecordNo: l.itemRecordNo, ownerCode: flowParties.ebc.code, qty: l.qty }));
    const stocked = await call('POST', '/api/v1/stock/in', keys.warehouse, JSON.stringify({ items }));
    expect(stocked.status, stocked.text).toBe(200);
    await accepted('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await accepted('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment));
    await accepted('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    const inventory = who === 'agentB' ? signCeb(wrapMessage('CEB621Message', [f.inventory], flowParties.agent, undefined, null), agentBKey) : wrapMessage('CEB621Message', [f.inventory], flowParties.agent);
    const id = await accepted(who, inventory);
    const s = await until(who, id, (x) => ['released', 'closed'].includes(x.records[0].status) && x.receipts.length > 0, `${who}'s inventory released`);
    return { f, id, invtNo: s.records[0].invtNo! };
  }

  beforeAll(async () => {
    // With a customs token, so the customs side of the gateway is registered and in the matrix.
    p = await startPlatform(kind, { SILKGATE_CUSTOMS_TOKEN: crypto.randomBytes(24).toString('base64url') });
    certDir = tempDir('silkgate-authz-');
    for (const role of DEMO_ROLES) {
      const c = p.creds.find((x) => x.role === role);
      if (!c) throw new Error(`the demo zone has no ${role}`);
      const e = await p.app.enterprises.byCode(c.code);
      keys[role] = c.apiKey;
      parties[role] = { code: c.code, name: c.name, dxpId: c.dxpId, id: e!.id };
    }

    // The second tenant, filed by the operator; its e-commerce enterprise delegates its inventories to its own agent.
    const contacts = [{ name: '王敏', phone: '0574-87001234', email: 'filing@example.com', role: '业务联系人' }];
    const file = (e: { code: string; name: string; dxpId: string; uscc: string }, role: string) => JSON.stringify({ ...e, roles: [role], contacts });
    for (const [who, e] of Object.entries(TENANT_B) as Array<['ebcB' | 'agentB', (typeof TENANT_B)['ebcB']]>) {
      const out = await created<{ enterprise: { id: number }; apiKey: string; keyId: number }>('operator', '/api/v1/enterprises', file(e, who === 'ebcB' ? 'ebc' : 'agent'));
      keys[who] = out.apiKey;
      parties[who] = { code: e.code, name: e.name, dxpId: e.dxpId, id: out.enterprise.id };
      if (who === 'agentB') fixtures.set('B.key', String(out.keyId));
    }
    const validTo = new Date(Date.now() + 86_400_000).toISOString();
    fixtures.set('C.validTo', validTo);
    const delegate = JSON.stringify({ agentCode: TENANT_B.agentB.code, scope: ['CEB621Message', 'CEB623Message', 'CEB625Message'], validTo });
    for (const name of ['B.delegation', 'B.delegationForEbcB', 'B.delegationForOperator']) fixtures.set(name, String((await created('ebcB', '/api/v1/delegations', delegate)).id));
    const cert = issueCertificate(certDir.path, TENANT_B.agentB.code, TENANT_B.agentB.name);
    fixtures.set('B.cert', String((await created('agentB', '/api/v1/certificates', cert.certPem, 'application/x-pem-file')).id));
    fixtures.set('B.certPem', cert.certPem);
    agentBKey = { algorithm: 'sm2-sm3', privateKeyPem: cert.privateKeyPem, certificateDer: Buffer.from(new X509Certificate(cert.certPem).raw) };

    // An applicant (pending) and the demo agent's narrowed keys.
    const applied = await created<{ apiKey: string; enterprise: { id: number } }>('anonymous', '/api/v1/filings', JSON.stringify({ ...PENDING, roles: ['ebp'], contacts }));
    keys.pending = applied.apiKey;
    for (const [who, scopes] of [['agentRead', ['read']], ['agentDeclare', ['declare']]] as const) {
      keys[who] = (await created<{ apiKey: string }>('agent', '/api/v1/keys', JSON.stringify({ label: who, scopes }))).apiKey;
    }
    parties.pending = { code: PENDING.code, name: PENDING.name, dxpId: PENDING.dxpId, id: applied.enterprise.id };
    for (const who of ['agentRead', 'agentDeclare', 'agentSession', 'agentNoCsrf', 'anonymous'] as const) parties[who] = parties.agent;

    for (const who of PRINCIPALS) {
      fixtures.set(`id:${who}`, String(parties[who].id));
      fixtures.set(`code:${who}`, parties[who].code);
    }

    // Webhooks first, so receipts have deliveries.
    for (const [who, name] of [['agent', 'A.webhook'], ['agentB', 'B.webhook'], ['agentB', 'B.webhookToDelete']] as const) {
      fixtures.set(name, String((await created(who, '/api/v1/webhooks', JSON.stringify({ url: `http://127.0.0.1:9/${name}` }))).id));
    }

    // Tenant A: two parcels declared by the agent for the demo ebc, two by the ebc itself; tenant B: one by agentB for ebcB.
    const selfDeclared: Parties = { ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc };
    const tenantB: Parties = { ...DEMO_PARTIES, ebc: parties.ebcB, agent: parties.agentB };
    const [a1, a2, e1, e2, b1] = await Promise.all([
      releasedFlow('agent', DEMO_PARTIES),
      releasedFlow('agent', DEMO_PARTIES),
      releasedFlow('ebc', selfDeclared),
      releasedFlow('ebc', selfDeclared),
      releasedFlow('agentB', tenantB, EMS_B),
    ]);
    released.agent = [a1, a2];
    released.ebc = [e1, e2];
    const receiptOf = async (who: Keyed, id: number) => String((await show(who, id)).receipts[0].id);
    fixtures.set('A.inventory', String(a1.id));
    fixtures.set('A.inventoryXml', wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).inventory], DEMO_PARTIES.agent));
    fixtures.set('A.ebcInventory', String(e1.id));
    fixtures.set('B.inventory', String(b1.id));
    // The declarations list names records: each inventory's record id.
    const recordOf = async (who: Keyed, id: number) => String((await show(who, id)).records[0].id);
    fixtures.set('A.inventoryRecord', await recordOf('agent', a1.id));
    fixtures.set('A.ebcInventoryRecord', await recordOf('ebc', e1.id));
    fixtures.set('B.inventoryRecord', await recordOf('agentB', b1.id));
    fixtures.set('A.agentReceipt', await receiptOf('agent', a1.id));
    fixtures.set('A.ebcReceipt', await receiptOf('ebc', e1.id));
    fixtures.set('B.receipt', await receiptOf('agentB', b1.id));
    const line = (f: Flow) => (f.inventory.InventoryList as Array<Record<string, string>>)[0].itemRecordNo;
    const ems = (f: Flow) => (f.inventory.InventoryHead as Record<string, string>).emsNo;
    fixtures.set('A.emsNo', ems(e1.f));
    fixtures.set('A.itemRecordNo', line(e1.f));
    fixtures.set('A.stock', `${ems(e1.f)}/${line(e1.f)}`);
    fixtures.set('B.stock', `${EMS_B}/${line(b1.f)}`);

    // Tenant A exports a parcel (the agent declares for the demo ebc), customs closes it, the agent summarises it: a summary
    // request and, once customs declared it (CEB792), the ebc's refund-ledger entry.
    const X = DEMO_EXPORT_PARTIES;
    const ex = makeExportFlow(X, { mode: '9610', seed: seed++ });
    await accepted('ebp', wrapExport('CEB303Message', [ex.order], X.ebp));
    await accepted('payment', wrapExport('CEB403Message', [ex.collection!], X.payment));
    await accepted('logistics', wrapExport('CEB505Message', [ex.waybill], X.logistics));
    const exId = await accepted('agent', wrapExport('CEB603Message', [ex.inventory], X.agent, undefined, { sign: true }));
    await until('agent', exId, (x) => x.records[0].status === 'customs-accepted', 'export inventory 120');
    await accepted('warehouse', arrivalMessage(X.site, [ex]));
    await until('agent', exId, (x) => x.records[0].status === 'released', 'export inventory 800');
    await accepted('logistics', departureMessage(X.logistics, [ex]));
    const exInvtNo = (await until('agent', exId, (x) => x.records[0].status === 'closed', 'export inventory 899')).records[0].invtNo!;
    for (const who of ['agent', 'ebc'] as const) {
      const declarant = who === 'ebc' ? X.ebc : X.agent;
      const r = makeExportFlow({ ...X, agent: declarant }, { mode: '9610', seed: seed++ });
      await accepted('ebp', wrapExport('CEB303Message', [r.order], X.ebp));
      await accepted('payment', wrapExport('CEB403Message', [r.collection!], X.payment));
      await accepted('logistics', wrapExport('CEB505Message', [r.waybill], X.logistics));
      const id = await accepted(who, wrapExport('CEB603Message', [r.inventory], declarant, undefined, { sign: true }));
      await until(who, id, (x) => x.records[0].status === 'customs-accepted', `${who}'s export inventory 120`);
      await accepted('warehouse', arrivalMessage(X.site, [r]));
      releasedExport[who] = { f: r, invtNo: (await until(who, id, (x) => x.records[0].status === 'released', `${who}'s export inventory 800`)).records[0].invtNo! };
    }
    const proposed = (await (await by('agent', 'GET', '/api/v1/summaries/proposals')).json()) as { groups: Array<{ key: string }> };
    const summary = (await (await by('agent', 'POST', '/api/v1/summaries', JSON.stringify({ key: proposed.groups[0].key, invtNos: [exInvtNo] }))).json()) as { id: number };
    fixtures.set('A.summary', String(summary.id));
    const entry = await eventually(async () => {
      const l = (await (await by('ebc', 'GET', '/api/v1/refunds/ledger?limit=500')).json()) as { items: Array<{ id: number; month: string; entryId: string | null; gseqno: number }> };
      return l.items[0];
    }, 20_000, 'the ledger entry of the summary');
    fixtures.set('A.entry', String(entry.id));
    fixtures.set('A.month', entry.month);
    fixtures.set('A.invtNo', exInvtNo);
    fixtures.set('A.today', cstDay(new Date()));
    // The overseas-warehouse directory: a demo entry, two spare ones to delete, a new one and a CSV.
    const dallas = (name: string) => JSON.stringify({
      name, country: '502', city: 'Dallas', address: '4500 Mountain Creek Pkwy', latitude: 32.69, longitude: -96.93, areaM2: 12000,
      services: ['storage'], platforms: ['Amazon'], eligible9810: true, contact: { name: 'Lin Wei', phone: '+1-214-555-0134', email: 'dallas@example.com' },
    });
    const demoWarehouse = ((await (await by('anonymous', 'GET', '/api/v1/warehouses')).json()) as { items: Array<Record<string, unknown> & { id: number }> }).items[0];
    fixtures.set('A.warehouse', String(demoWarehouse.id));
    // Its own entry with a larger area: the same change whoever makes it.
    const { id: _id, enterpriseId: _e, updatedAt: _u, ...kept } = demoWarehouse;
    fixtures.set('C.warehouseUpdate', JSON.stringify({ ...kept, areaM2: Number(kept.areaM2) + 1 }));
    fixtures.set('A.warehouseToDelete', String((await created('overseas', '/api/v1/warehouses', dallas('矩阵删除仓 A'))).id));
    fixtures.set('A.warehouseForOperator', String((await created('overseas', '/api/v1/warehouses', dallas('矩阵删除仓 B'))).id));
    fixtures.set('C.warehouse', dallas('矩阵新增仓'));
    fixtures.set('C.warehouseCsv', `${WAREHOUSE_CSV_COLUMNS.join(',')}\n矩阵导入仓,304,Duisburg,Hafen 1,51.42,6.75,5000,storage,Amazon,yes,Jan,+49-203-0,j@example.com\n`);
    fixtures.set('C.refundRates', JSON.stringify(((await (await by('operator', 'GET', '/api/v1/refund-rates')).json()) as { items: unknown[] }).items));
    const supplier = uscc('91330683MA2B7K3F0');
    fixtures.set('C.invoice', JSON.stringify({
      invoiceCode: '3300231130', invoiceNo: '04519999', invoiceDate: cstDay(new Date(Date.now() - 86_400_000)), sellerTaxId: supplier, sellerName: '嵊州市华丝丝绸有限公司',
      amount: '100.00', taxAmount: '13.00', items: [{ entryId: entry.entryId, gseqno: entry.gseqno, qty: '1', amount: '100.00' }],
    }));
    // Unsigned messages of each tenant, for the signing service.
    fixtures.set('A.unsigned', wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).inventory], DEMO_PARTIES.agent, undefined, null));
    fixtures.set('B.unsigned', wrapMessage('CEB621Message', [makeFlow(tenantB, { mode: '9610', seed: seed++ }).inventory], parties.agentB, undefined, null));

    // Spare enterprises (an agent and a bank that grants go to, an applicant the operator rejects) and bodies of filings made by rows.
    for (const [name, e, role] of [['C.agentCode', SPARE.agentC, 'agent'], ['C.bankCode', SPARE.bankC, 'bank']] as const) {
      await created('operator', '/api/v1/enterprises', file(e, role));
      fixtures.set(name, e.code);
    }
    fixtures.set('C.applicant', String((await created<{ enterprise: { id: number } }>('anonymous', '/api/v1/filings', file(SPARE.applicant, 'ebc'))).enterprise.id));
    fixtures.set('C.newEnterprise', file(SPARE.direct, 'overseas'));
    fixtures.set('C.application', file(SPARE.application, 'logistics'));
    fixtures.set('C.duplicateApplication', file({ ...SPARE.duplicate, code: TENANT_B.agentB.code }, 'logistics'));

    // Tenant B's keys: one the others try to rotate and revoke, and one for each change made for real.
    for (const name of ['B.spareKey', 'B.keyToRotate', 'B.keyToRevoke', 'B.keyForOperator']) {
      fixtures.set(name, String((await created<{ key: { id: number } }>('agentB', '/api/v1/keys', JSON.stringify({ label: name, scopes: ['read'] }))).key.id));
    }
    const agentKeys = (await (await by('agent', 'GET', '/api/v1/keys')).json()) as { keys: Array<{ id: number; prefix: string }> };
    fixtures.set('A.key', String(agentKeys.keys.find((k) => keys.agent.startsWith(k.prefix))!.id));

    // Grants of tenant A (the demo zone's) and consents of tenant B to the spare bank.
    const demoDelegations = (await (await by('ebc', 'GET', '/api/v1/delegations')).json()) as { delegations: Array<{ id: number; agent: { code: string } }> };
    fixtures.set('A.delegation', String(demoDelegations.delegations.find((d) => d.agent.code === parties.agent.code)!.id));
    const demoConsents = (await (await by('ebc', 'GET', '/api/v1/consents')).json()) as { consents: Array<{ id: number; bank: { code: string } }> };
    fixtures.set('A.consent', String(demoConsents.consents.find((c) => c.bank.code === parties.bank.code)!.id));
    const consent = JSON.stringify({ bankCode: SPARE.bankC.code, scope: ['messages', 'receipts', 'stock'], validTo });
    for (const name of ['B.consent', 'B.consentForEbcB', 'B.consentForOperator']) fixtures.set(name, String((await created('ebcB', '/api/v1/consents', consent)).id));

    // Qualification documents, staff accounts and the demo agent's console session.
    fixtures.set('A.document', String((await created('agent', `/api/v1/enterprises/${parties.agent.id}/documents?kind=other&filename=a.pdf`, PDF, 'application/pdf')).id));
    fixtures.set('B.document', String((await created('agentB', `/api/v1/enterprises/${parties.agentB.id}/documents?kind=other&filename=b.pdf`, PDF, 'application/pdf')).id));
    for (const [who, name] of [['agent', 'A.staff'], ['agentB', 'B.staff']] as const) {
      fixtures.set(name, String((await created(who, '/api/v1/accounts', JSON.stringify({ username: `${name.replace('.', '-').toLowerCase()}-${kind}`, displayName: name, password: PASSWORD }))).id));
    }
    const agentCreds = p.creds.find((c) => c.role === 'agent')!;
    fixtures.set('A.username', agentCreds.username!);
    fixtures.set('A.password', agentCreds.password!);
    const login = await fetch(`${p.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: agentCreds.username, password: agentCreds.password }) });
    expect(login.status).toBe(201);
    session.cookie = /sg_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    session.csrf = ((await login.json()) as { csrfToken: string }).csrfToken;

    // Certificates and signing keys of tenant B: one pair held since the start (B.cert), one to register and one to hold by rows,
    // and one each that agentB and the operator disable and revoke for real.
    const pair = (c: { privateKeyPem: string; certPem: string }) => JSON.stringify({ privateKeyPem: c.privateKeyPem, certificatePem: c.certPem });
    fixtures.set('B.keyPairStored', pair(cert));
    fixtures.set('B.signingKey', String((await created('agentB', '/api/v1/signing-keys', pair(cert))).id));
    fixtures.set('B.certNew', issueCertificate(certDir.path, TENANT_B.agentB.code, TENANT_B.agentB.name).certPem);
    fixtures.set('B.keyPair', pair(issueCertificate(certDir.path, TENANT_B.agentB.code, TENANT_B.agentB.name)));
    for (const [k, c] of [['B.signingKeyToDisable', 'B.certToRevoke'], ['B.signingKeyForOperator', 'B.certForOperator']]) {
      const held = await created<{ id: number; certificateId: number }>('agentB', '/api/v1/signing-keys', pair(issueCertificate(certDir.path, TENANT_B.agentB.code, TENANT_B.agentB.name)));
      fixtures.set(k, String(held.id));
      fixtures.set(c, String(held.certificateId));
    }
    const first = async (url: string) => String(((await (await by('agent', 'GET', url)).json()) as Array<{ id: number }>)[0].id);
    fixtures.set('A.cert', await first('/api/v1/certificates'));
    fixtures.set('A.signingKey', await first('/api/v1/signing-keys'));

    // Tariff imports the operator makes: rows already in the tables, posted back.
    for (const [name, url] of [['C.rates', '/api/v1/tariff/rates'], ['C.positive', '/api/v1/tariff/positive-list']]) {
      fixtures.set(name, JSON.stringify(((await (await by('operator', 'GET', url)).json()) as { items: unknown[] }).items.slice(0, 1)));
    }
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    certDir?.cleanup();
  });

  describe('who sends which message type', () => {
    /** A message of `type` that `who` may send as it stands (fresh numbers; cancels and returns of its own released parcels). */
    const legit = async (type: ImportType, who: DemoRole): Promise<string> => {
      const f = makeFlow(who === 'ebc' ? { ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc } : DEMO_PARTIES, { mode: '9610', seed: seed++ });
      switch (type) {
        case 'CEB311Message':
          return wrapMessage(type, [f.order], DEMO_PARTIES.ebp);
        case 'CEB411Message':
          // A payment names an order that must have been declared.
          await accepted('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
          return wrapMessage(type, [f.payment], DEMO_PARTIES.payment);
        case 'CEB511Message':
          return wrapMessage(type, [f.waybill], DEMO_PARTIES.logistics);
        case 'CEB513Message':
          return waybillStatus(f, DEMO_PARTIES.logistics);
        case 'CEB621Message':
          return wrapMessage(type, [f.inventory], who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        case 'CEB623Message': {
          const r = released[who === 'ebc' ? 'ebc' : 'agent']![0];
          return cancelMessage(r.f, r.invtNo, who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        }
        case 'CEB625Message': {
          const r = released[who === 'ebc' ? 'ebc' : 'agent']![1];
          return refundMessage(r.f, r.invtNo, who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        }
        case 'CEB711Message':
          return arrivalList(DEMO_PARTIES.warehouse, f.inventory.InventoryHead as Record<string, string>, [f.logisticsNo]);
        default:
          return legitExport(type, who);
      }
    };

    /** An export message of `type` that `who` may send: a retail order from the platform, a B2B order from the exporter, a booking from the overseas warehouse. */
    const legitExport = async (type: (typeof EXPORT_TYPES)[number], who: DemoRole): Promise<string> => {
      const X = DEMO_EXPORT_PARTIES;
      const declarant = who === 'ebc' ? X.ebc : who === 'logistics' ? X.logistics : X.agent;
      const mode: ExportMode = type === 'CEB303Message' ? (who === 'ebc' ? '9710' : who === 'overseas' ? '9810' : '9610') : '9610';
      const f = makeExportFlow({ ...X, agent: declarant }, { mode, seed: seed++ });
      const invtNo = `29242026E${String(seed).padStart(11, '0')}`;
      switch (type) {
        case 'CEB303Message':
          return wrapExport(type, [f.order], who === 'ebc' ? X.ebc : who === 'overseas' ? X.overseas : X.ebp);
        case 'CEB403Message':
          // A collection names an export order that must have been declared.
          await accepted('ebp', wrapExport('CEB303Message', [f.order], X.ebp));
          return wrapExport(type, [f.collection!], who === 'ebc' ? X.ebc : X.payment);
        case 'CEB505Message':
          return wrapExport(type, [f.waybill], X.logistics);
        case 'CEB507Message':
          return arrivalMessage(X.site, [f]);
        case 'CEB509Message':
          return departureMessage(X.logistics, [f]);
        case 'CEB603Message':
          return wrapExport(type, [f.inventory], declarant, undefined, { sign: true });
        case 'CEB605Message': {
          const r = releasedExport[who === 'ebc' ? 'ebc' : 'agent']!;
          return exportCancelMessage(r.f, r.invtNo, declarant);
        }
        case 'CEB607Message':
          return waybillListMessage(declarant, [f], { [f.logisticsNo]: invtNo });
        case 'CEB701Message':
          return wrapExport(type, [summaryApplyRecord({ customsCode: '2924', copNo: `SUM${seed}`, agent: declarant, ebc: X.ebc, declAgent: declarant, invtNos: [invtNo], summaryFlag: '1', itemNameFlag: '0' })], declarant, undefined, { sign: true });
        case 'CEB213Message': {
          const r = releasedExport[who === 'ebc' ? 'ebc' : 'agent']!;
          return exportReturnMessage(r.f, r.invtNo, declarant);
        }
        case 'CEB215Message':
          return returnTallyMessage(X.site, f, invtNo);
      }
    };

    const SENDS = [...IMPORT_TYPES, ...EXPORT_TYPES].flatMap((type) => DEMO_ROLES.map((role) => ({ type, role, expect: SENDERS[type].includes(role) ? 202 : 403 })));

    it.each(SENDS)('$type from $role → $expect', async ({ type, role, expect: status }) => {
      const sender = SENDERS[type].includes(role) ? role : SENDERS[type][0];
      const xml = await legit(type, sender);
      const body = role === sender ? xml : transmittedBy(xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, PLACEHOLDER_SIGNATURE), parties[role]);
      const before = await count();
      const res = await send(role, body);
      expect(res.status, res.text).toBe(status);
      if (status === 202) return;
      const err = (res.json() as ErrorBody).error;
      expect(err.returnStatus).toBe('-10101');
      expect(err.returnInfo).toMatch(/^企业类型不符/);
      // Declaring roles learn which type they may not send; the others are refused before the body is read.
      expect(err.issues).toEqual([expect.objectContaining({ rule: 'role', path: expect.stringMatching(new RegExp(`^(${type}|roles)$`)), actual: expect.stringContaining(role) })]);
      expect(await count()).toBe(before);
    });

    it('refuses enterprises that may not declare with a clear sentence, storing nothing', async () => {
      const before = await count();
      const order = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order], DEMO_PARTIES.ebp);
      const pending = await send('pending', transmittedBy(order, parties.pending));
      expect(pending.status).toBe(403);
      expect((pending.json() as ErrorBody).error.message).toMatch(/pending/);
      const readOnly = await send('agentRead', await legit('CEB621Message', 'agent'));
      expect(readOnly.status).toBe(403);
      expect((readOnly.json() as ErrorBody).error.message).toMatch(/"declare" scope/);
      const regulator = await send('customs', transmittedBy(order, parties.customs));
      expect((regulator.json() as ErrorBody).error.message).toMatch(/regulators read everything and change nothing/);
      expect(await count()).toBe(before);
      expect((await send('agentDeclare', await legit('CEB621Message', 'agent'))).status).toBe(202);
    });
  });

  describe('parties and delegations: no declaration in another tenant\'s name', () => {
    const inventoryFor = (ebc: Party, agent: Party) => makeFlow({ ...DEMO_PARTIES, ebc, agent }, { mode: '9610', seed: seed++ }).inventory;

    it('refuses an agent declaring for an e-commerce enterprise that did not delegate to it, naming the record; nothing is stored', async () => {
      const before = await count();
      const mixed = wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, DEMO_PARTIES.agent), inventoryFor(parties.ebcB, DEMO_PARTIES.agent)], DEMO_PARTIES.agent);
      const res = await send('agent', mixed);
      expect(res.status).toBe(403);
      expect((res.json() as ErrorBody).error.issues).toEqual([{ path: 'CEB621Message.Inventory[1].InventoryHead.ebcCode', rule: 'delegation', expected: expect.stringContaining(DEMO_PARTIES.agent.code), actual: parties.ebcB.code }]);

      const theirs = signCeb(wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, parties.agentB)], parties.agentB, undefined, null), agentBKey);
      const res2 = await send('agentB', theirs);
      expect(res2.status).toBe(403);
      expect((res2.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB621Message.Inventory[0].InventoryHead.ebcCode', rule: 'delegation', actual: DEMO_PARTIES.ebc.code })]);
      expect(await count()).toBe(before);
    });

    it('refuses a record naming another declarant', async () => {
      const before = await count();
      const res = await send('agent', wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, parties.agentB)], DEMO_PARTIES.agent));
      expect(res.status).toBe(403);
      const err = (res.json() as ErrorBody).error;
      expect(err.code).toBe('SENDER_MISMATCH');
      expect(err.issues).toEqual([{ path: 'CEB621Message.Inventory[0].InventoryHead.agentCode', rule: 'party', expected: DEMO_PARTIES.agent.code, actual: parties.agentB.code }]);
      // An order in another platform's name, from the demo platform.
      const other = makeFlow({ ...DEMO_PARTIES, ebp: { ...DEMO_PARTIES.ebp, code: '3301964Z99' } }, { mode: '9610', seed: seed++ });
      const res2 = await send('ebp', wrapMessage('CEB311Message', [other.order], DEMO_PARTIES.ebp));
      expect((res2.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB311Message.Order[0].OrderHead.ebpCode', rule: 'party' })]);
      expect(await count()).toBe(before);
    });

    it('refuses a cancel of tenant A\'s inventory by tenant B\'s agent', async () => {
      const before = await count();
      const r = released.agent![0];
      // The agent's cancel, as agentB would send it in its own name (refused before its signature is looked at).
      const cancel = cancelMessage(r.f, r.invtNo, DEMO_PARTIES.agent).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, PLACEHOLDER_SIGNATURE);
      const res = await send('agentB', transmittedBy(cancel.replace(/(<ceb:agentCode>)[^<]*/, `$1${parties.agentB.code}`), parties.agentB));
      expect(res.status).toBe(403);
      expect((res.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB623Message.InvtCancel[0].ebcCode', rule: 'delegation' })]);
      expect(await count()).toBe(before);
    });

    it('lets the pre-check refuse the same, without looking at anyone\'s documents', async () => {
      const res = await call('POST', '/api/v1/precheck', keys.agent, wrapMessage('CEB621Message', [inventoryFor(parties.ebcB, DEMO_PARTIES.agent)], DEMO_PARTIES.agent), 'application/xml');
      expect(res.status).toBe(200);
      const out = res.json() as { ok: boolean; records: Array<{ findings: Array<{ code: string; path?: string }> }> };
      expect(out.ok).toBe(false);
      expect(out.records[0].findings).toEqual([expect.objectContaining({ code: 'FORBIDDEN', path: 'CEB621Message.Inventory[0].InventoryHead.ebcCode' })]);
    });
  });

  describe('who reads and changes what', () => {
    /** The error codes a refusal with this status may carry. */
    const CODES: Record<number, string[]> = { 400: ['INVALID_REQUEST', 'INVALID_MESSAGE'], 401: ['UNAUTHORIZED'], 403: ['FORBIDDEN', 'SENDER_MISMATCH'], 404: ['NOT_FOUND'], 409: ['CONFLICT'] };

    it.each(MATRIX)('$method $path as $role → $expect', async (row) => {
      const body = row.body === undefined ? undefined : resolve(row.body, row.role);
      const type = row.type ?? (body?.startsWith('<') ? 'application/xml' : 'application/json');
      const refusedChange = UNSAFE.has(row.method) && row.expect >= 400;
      const before = refusedChange ? await state() : {};
      const res = await by(row.role, row.method, resolve(row.path, row.role), body, type);
      expect(res.status, res.text).toBe(row.expect);
      if (row.expect >= 400) {
        // The refusal names its reason: a code of the catalogue that fits the status, and a sentence of its own.
        const err = (res.json() as ErrorBody).error;
        expect(CODES[row.expect]).toContain(err.code);
        expect(err.message.length).toBeGreaterThan(10);
        if (row.expect === 403 || row.expect === 404) expect(err.message).not.toBe(ERRORS[err.code as ErrorCode].message);
      }
      if (refusedChange) {
        // A refused request changes nothing; a refusal the audit log records by design adds just that entry.
        const after = await state();
        expect(changed(before, after), 'tables a refused request changed').toEqual(row.audited ? ['audit_log'] : []);
        if (row.audited) expect(JSON.parse(after.audit_log)[0].action).toBe(row.audited);
      }
      if (row.expect !== 200 || (row.list === undefined && !row.present)) return;
      const answer = res.json() as Record<string, unknown>;
      const items = (row.list === '' ? answer : answer[row.list ?? 'items']) as Array<{ id?: number; emsNo?: string; itemRecordNo?: string; enterpriseId?: number | null }>;
      expect(Array.isArray(items), res.text.slice(0, 200)).toBe(true);
      const seen = new Set(items.map((i) => (i.emsNo ? `${i.emsNo}/${i.itemRecordNo}` : String(i.id))));
      for (const name of row.present ?? []) expect(seen.has(resolve(`{${name}}`, row.role)), `${row.role} sees ${name}`).toBe(true);
      for (const name of row.absent ?? []) expect(seen.has(resolve(`{${name}}`, row.role)), `${row.role} does not see ${name}`).toBe(false);
      if (row.only) {
        const owner = Number(resolve(`{${row.only}}`, row.role));
        expect(items.length, `${row.role} sees entries of ${row.only}`).toBeGreaterThan(0);
        expect(items.filter((i) => i.enterpriseId !== owner), `${row.role} sees only entries of ${row.only}`).toEqual([]);
      }
    });

    it('lists in the receipts feed only receipts of messages the caller may read', async () => {
      for (const who of KEYED.filter((x) => !['pending', 'agentDeclare', 'operator', 'customs', 'commerce'].includes(x))) {
        const items = ((await call('GET', '/api/v1/receipts?limit=1000', keys[who])).json() as { items: Array<{ messageId: number | null }> }).items;
        const messages = [...new Set(items.map((i) => i.messageId))];
        expect(messages, `${who}: receipts without a message`).not.toContain(null);
        for (const id of messages) expect((await call('GET', `/api/v1/messages/${id}`, keys[who])).status, `${who} reads message ${id}`).toBe(200);
      }
    });

    it('has rows for every route the platform registers', () => {
      const routes = registeredRoutes(p.app.http.printRoutes({ commonPrefix: false }));
      // The parse is checked against the router itself, and finds what must be there.
      for (const r of routes.filter((x) => x.url.startsWith('/api/'))) expect(p.app.http.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true);
      expect(routes).toContainEqual({ method: 'POST', url: '/api/v1/messages' });
      expect(routes).toContainEqual({ method: 'POST', url: '/api/v1/customs/receipts' });
      const api = routes.filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD');
      // Each row's request, as sent, against the routes: the most specific (fewest parameters) that matches.
      const pattern = (url: string) => new RegExp(`^${url.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
      const byParams = [...api].sort((a, b) => a.url.split(':').length - b.url.split(':').length);
      const covered = new Set<string>();
      for (const row of MATRIX) {
        const url = resolve(row.path, row.role).split('?')[0];
        const route = byParams.find((r) => r.method === row.method && pattern(r.url).test(url));
        expect(route, `a registered route for ${row.method} ${row.path}`).toBeDefined();
        covered.add(`${route!.method} ${route!.url}`);
      }
      const missing = api.map((r) => `${r.method} ${r.url}`).filter((r) => !covered.has(r) && !(r in EXEMPT));
      expect(missing, 'routes without matrix rows: add rows for them to MATRIX (or, with the reason, to EXEMPT)').toEqual([]);
      // An exemption of a route that no longer exists, or that has rows after all, goes too.
      expect(Object.keys(EXEMPT).filter((r) => !api.some((a) => `${a.method} ${a.url}` === r) || covered.has(r))).toEqual([]);
    });
  });

  describe('declarations in the audit log', () => {
    it('appends one declaration.accepted entry per accepted message, with the digest of the exact bytes, in an intact chain', async () => {
      const xml = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order, makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order], DEMO_PARTIES.ebp);
      const id = await accepted('ebp', xml);
      expect((await send('ebp', xml)).status).toBe(200);
      const entries = (await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).filter((e) => e.subject === `message:${id}`);
      expect(entries).toEqual([
        expect.objectContaining({
          actor: `enterprise:${DEMO_PARTIES.ebp.code}`,
          enterpriseId: parties.ebp.id,
          detail: expect.objectContaining({ messageType: 'CEB311Message', records: 2, sha256: crypto.createHash('sha256').update(xml).digest('hex'), via: 'key' }),
        }),
      ]);
      const refused = (await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).length;
      expect((await send('customs', transmittedBy(xml, parties.customs))).status).toBe(403);
      expect((await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).length).toBe(refused);
      expect((await p.app.audit.verify()).ok).toBe(true);
    });
  });
});
