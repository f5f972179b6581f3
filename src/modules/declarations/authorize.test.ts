/** The sending policy: roles × message types, parties of each record, delegations. */
import { describe, expect, it } from 'vitest';
import { MESSAGES, recordElementName, type ElementDef } from '../../ceb/index.ts';
import { fullCaller, ROLES, type Caller, type Role } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Parties, type Party } from '../../demo/flows.ts';
import { cancelMessage } from '../../demo/aftersales.ts';
import { arrivalList } from '../../demo/arrival.ts';
import { SEND_POLICY, authorizeDeclaration, recordFieldPath, requireSendingRole } from './authorize.ts';
import { EXPORT_DECLARATIONS, IMPORT_DECLARATIONS, readMessage } from './ingest.ts';
import { DEMO_EXPORT_PARTIES, makeExportFlow, wrapExport } from '../../demo/export.ts';

const caller = (p: Party, roles: Role[], id = 10): Caller => fullCaller({ id, code: p.code, name: p.name, dxpId: p.dxpId, roles });
const OTHER_EBC: Party = { code: '3301966B09', name: '宁波另一家电商有限公司', dxpId: 'DXPENT0000019002' };
const THIRD_EBC: Party = { code: '3301966C07', name: '温州第三家电商有限公司', dxpId: 'DXPENT0000019003' };

/** Catches the AppError of a refused authorization. */
async function refusal(p: Promise<void>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** A delegation oracle over a fixed set of (agentId|principal|type), counting its calls. */
function delegations(...grants: string[]) {
  const calls: string[] = [];
  const fn = async (agentId: number, principal: string, type: string) => {
    calls.push(`${agentId}|${principal}|${type}`);
    return grants.includes(`${agentId}|${principal}|${type}`);
  };
  return { fn, calls };
}

const read = (sender: Party, xml: string) => readMessage({ id: 1, ...sender }, Buffer.from(xml), 'xml');
const inventories = (parties: Parties[], sender: Party) =>
  read(sender, wrapMessage('CEB621Message', parties.map((p, i) => makeFlow(p, { mode: '9610', seed: 40 + i, serial: 500_000 + i }).inventory), sender));

describe('SEND_POLICY', () => {
  const fieldsOf = (type: string): string[] => {
    const def = MESSAGES[type];
    const record = def.element.children!.find((c) => c.name === recordElementName(def))!;
    const head = record.children!.find((c: ElementDef) => c.name.includes('Head'));
    return (head ?? record).children!.map((c) => c.name);
  };

  it('names only real message types, filed roles and fields of the record head', () => {
    for (const [type, policy] of Object.entries(SEND_POLICY)) {
      expect(Object.hasOwn(MESSAGES, type), type).toBe(true);
      expect(policy.roles.length, type).toBeGreaterThan(0);
      for (const r of policy.roles) expect(ROLES, type).toContain(r);
      const declarants = typeof policy.declarant === 'object' ? Object.values(policy.declarant) : [policy.declarant];
      for (const f of [...declarants, policy.principal, policy.reader]) if (f) expect(fieldsOf(type), `${type}.${f}`).toContain(f);
      if (typeof policy.declarant === 'object') expect(Object.keys(policy.declarant).sort(), `${type}: a field for each sending role`).toEqual([...policy.roles].sort());
    }
  });

  it('has a sender for every declaration ingest accepts, and none for receipts', () => {
    for (const type of [...IMPORT_DECLARATIONS, ...EXPORT_DECLARATIONS]) expect(SEND_POLICY[type], type).toBeDefined();
    for (const type of Object.keys(MESSAGES)) {
      const code = Number(/^CEB(\d+)Message$/.exec(type)?.[1] ?? NaN);
      if (code % 2 === 0 || code === 792 || code === 816 || code === 818 || code === 900) expect(Object.hasOwn(SEND_POLICY, type), type).toBe(false);
    }
  });

  it('keeps regulators, banks and the operator out of declaring, and overseas warehouses to their bookings', () => {
    for (const role of ['operator', 'bank', 'customs', 'commerce'] as const) {
      for (const [type, policy] of Object.entries(SEND_POLICY)) expect(policy.roles, `${role} ${type}`).not.toContain(role);
    }
    expect(Object.entries(SEND_POLICY).filter(([, p]) => p.roles.includes('overseas')).map(([t]) => t)).toEqual(['CEB303Message']);
  });
});

describe('roles × message types', () => {
  it.each(Object.keys(SEND_POLICY))('%s: allowed for its roles, -10101 for every other', (type) => {
    for (const role of ROLES) {
      const c = caller(DEMO_PARTIES.ebp, [role]);
      if (SEND_POLICY[type].roles.includes(role)) {
        expect(() => requireSendingRole(c, type), role).not.toThrow();
        continue;
      }
      let err: AppError | null = null;
      try {
        requireSendingRole(c, type);
      } catch (e) {
        err = e as AppError;
      }
      expect(err?.status, role).toBe(403);
      expect(err?.customs?.returnStatus).toBe('-10101');
      expect(err?.customs?.returnInfo).toMatch(/^企业类型不符/);
      expect(err?.issues).toEqual([expect.objectContaining({ path: type, rule: 'role', actual: role })]);
      expect(err?.message).toContain(type);
    }
  });

  it('allows an enterprise of several roles to send what any of them sends', () => {
    expect(() => requireSendingRole(caller(DEMO_PARTIES.agent, ['logistics', 'agent']), 'CEB511Message')).not.toThrow();
    expect(() => requireSendingRole(caller(DEMO_PARTIES.agent, ['logistics', 'agent']), 'CEB621Message')).not.toThrow();
  });

  it('refuses a message type nobody sends', () => {
    expect(() => requireSendingRole(caller(DEMO_PARTIES.ebp, ['ebp']), 'CEB312Message')).toThrow(/not sent by any enterprise/);
  });
});

describe('parties of each record', () => {
  const agent = caller(DEMO_PARTIES.agent, ['agent'], 7);

  it('lets an agent declare for an e-commerce enterprise that delegated the message type to it', async () => {
    const d = delegations(`7|${DEMO_PARTIES.ebc.code}|CEB621Message`);
    await authorizeDeclaration(agent, inventories([DEMO_PARTIES], DEMO_PARTIES.agent), d.fn);
    expect(d.calls).toEqual([`7|${DEMO_PARTIES.ebc.code}|CEB621Message`]);
  });

  it('refuses the whole message, naming each record whose e-commerce enterprise delegated nothing to the agent', async () => {
    const d = delegations(`7|${DEMO_PARTIES.ebc.code}|CEB621Message`);
    const msg = inventories([DEMO_PARTIES, { ...DEMO_PARTIES, ebc: OTHER_EBC }, DEMO_PARTIES, { ...DEMO_PARTIES, ebc: OTHER_EBC }], DEMO_PARTIES.agent);
    const err = await refusal(authorizeDeclaration(agent, msg, d.fn));
    expect(err.status).toBe(403);
    expect(err.issues).toEqual([1, 3].map((i) => ({ path: `CEB621Message.Inventory[${i}].InventoryHead.ebcCode`, rule: 'delegation', expected: expect.stringContaining(DEMO_PARTIES.agent.code), actual: OTHER_EBC.code })));
    // One look-up per principal, however many records name it.
    expect(d.calls.sort()).toEqual([`7|${DEMO_PARTIES.ebc.code}|CEB621Message`, `7|${OTHER_EBC.code}|CEB621Message`]);
  });

  it('does not take a delegation of one message type for another', async () => {
    const d = delegations(`7|${DEMO_PARTIES.ebc.code}|CEB621Message`);
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 3 });
    const err = await refusal(authorizeDeclaration(agent, read(DEMO_PARTIES.agent, cancelMessage(f, '29242026I000000001', DEMO_PARTIES.agent)), d.fn));
    expect(err.issues).toEqual([expect.objectContaining({ path: 'CEB623Message.InvtCancel[0].ebcCode', rule: 'delegation', actual: DEMO_PARTIES.ebc.code })]);
  });

  it('lets an e-commerce enterprise declare for itself as its own declarant, without a delegation', async () => {
    const self: Parties = { ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc };
    const d = delegations();
    await authorizeDeclaration(caller(DEMO_PARTIES.ebc, ['ebc'], 3), inventories([self, self], DEMO_PARTIES.ebc), d.fn);
    expect(d.calls).toEqual([]);
  });

  it('refuses a record whose declarant is another enterprise, before asking about delegations', async () => {
    const d = delegations(`3|${THIRD_EBC.code}|CEB621Message`);
    // The e-commerce enterprise sends an inventory naming the agent as declarant.
    const msg = inventories([DEMO_PARTIES], DEMO_PARTIES.ebc);
    const err = await refusal(authorizeDeclaration(caller(DEMO_PARTIES.ebc, ['ebc'], 3), msg, d.fn));
    expect(err.code).toBe('SENDER_MISMATCH');
    expect(err.issues).toEqual([{ path: 'CEB621Message.Inventory[0].InventoryHead.agentCode', rule: 'party', expected: DEMO_PARTIES.ebc.code, actual: DEMO_PARTIES.agent.code }]);
    expect(d.calls).toEqual([]);
  });

  it('checks an export collection against the sender\'s role: the payment company as payCode, the exporter as ebcCode', async () => {
    const none = delegations().fn;
    const f = makeExportFlow(DEMO_EXPORT_PARTIES, { mode: '9610', seed: 7 });
    const x = DEMO_EXPORT_PARTIES;
    await authorizeDeclaration(caller(x.payment, ['payment']), read(x.payment, wrapExport('CEB403Message', [f.collection!], x.payment)), none);
    await authorizeDeclaration(caller(x.ebc, ['ebc']), read(x.ebc, wrapExport('CEB403Message', [f.collection!], x.ebc)), none);
    // Another exporter naming itself as payer of this exporter's order: its role (ebc) declares as ebcCode only.
    const other = { ...f.collection!, payCode: OTHER_EBC.code, payName: OTHER_EBC.name };
    const err = await refusal(authorizeDeclaration(caller(OTHER_EBC, ['ebc']), read(OTHER_EBC, wrapExport('CEB403Message', [other], OTHER_EBC)), none));
    expect(err.issues).toEqual([{ path: 'CEB403Message.Receipts[0].ebcCode', rule: 'party', expected: OTHER_EBC.code, actual: x.ebc.code }]);
  });

  it('checks the declarant of orders, payments, waybills and arrival lists', async () => {
    const none = delegations().fn;
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 5 });
    const foreign: Party = { code: '3301964Z99', name: '另一平台', dxpId: DEMO_PARTIES.ebp.dxpId };
    // The platform's own order passes; an order naming another platform does not.
    await authorizeDeclaration(caller(DEMO_PARTIES.ebp, ['ebp']), read(DEMO_PARTIES.ebp, wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp)), none);
    const g = makeFlow({ ...DEMO_PARTIES, ebp: foreign }, { mode: '9610', seed: 6 });
    const err = await refusal(authorizeDeclaration(caller(DEMO_PARTIES.ebp, ['ebp']), read(DEMO_PARTIES.ebp, wrapMessage('CEB311Message', [f.order, g.order], DEMO_PARTIES.ebp)), none));
    expect(err.issues).toEqual([{ path: 'CEB311Message.Order[1].OrderHead.ebpCode', rule: 'party', expected: DEMO_PARTIES.ebp.code, actual: foreign.code }]);

    await authorizeDeclaration(caller(DEMO_PARTIES.payment, ['payment']), read(DEMO_PARTIES.payment, wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment)), none);
    await authorizeDeclaration(caller(DEMO_PARTIES.logistics, ['logistics']), read(DEMO_PARTIES.logistics, wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics)), none);
    const wh = caller(DEMO_PARTIES.warehouse, ['warehouse']);
    const head = f.inventory.InventoryHead as Record<string, string>;
    await authorizeDeclaration(wh, read(DEMO_PARTIES.warehouse, arrivalList(DEMO_PARTIES.warehouse, head, [f.logisticsNo])), none);
    // Another site's arrival list, transmitted by this warehouse.
    const xml = arrivalList(DEMO_PARTIES.warehouse, head, [f.logisticsNo]).replace(/(<ceb:operatorCode>)[^<]*/, '$13301W69999');
    const refused = await refusal(authorizeDeclaration(wh, read(DEMO_PARTIES.warehouse, xml), none));
    expect(refused.issues).toEqual([{ path: 'CEB711Message.Delivery.DeliveryHead.operatorCode', rule: 'party', expected: DEMO_PARTIES.warehouse.code, actual: '3301W69999' }]);
  });

  it('refuses callers that may not declare before looking at the message', async () => {
    const msg = inventories([DEMO_PARTIES], DEMO_PARTIES.agent);
    const yes = delegations(`7|${DEMO_PARTIES.ebc.code}|CEB621Message`);
    for (const status of ['pending', 'suspended', 'revoked', 'rejected'] as const) {
      const err = await refusal(authorizeDeclaration({ ...agent, status }, msg, yes.fn));
      expect(err.status).toBe(403);
      expect(err.message).toContain(status);
    }
    for (const role of ['customs', 'commerce', 'operator', 'bank'] as const) {
      const err = await refusal(authorizeDeclaration(caller(DEMO_PARTIES.agent, [role], 7), msg, yes.fn));
      expect(err.status, role).toBe(403);
      expect(err.customs?.returnStatus, role).toBe('-10101');
      expect(err.issues, role).toEqual([expect.objectContaining({ path: 'roles', rule: 'role', actual: role })]);
    }
    expect((await refusal(authorizeDeclaration(caller(DEMO_PARTIES.agent, ['customs'], 7), msg, yes.fn))).message).toMatch(/regulators read everything and change nothing/);
    const readOnly = await refusal(authorizeDeclaration({ ...agent, scopes: new Set(['read'] as const) }, msg, yes.fn));
    expect(readOnly.message).toMatch(/declare/);
    expect(yes.calls).toEqual([]);
  });
});

describe('recordFieldPath', () => {
  it('writes paths in the notation of schema issues', () => {
    expect(recordFieldPath('CEB621Message', 3, 'ebcCode')).toBe('CEB621Message.Inventory[3].InventoryHead.ebcCode');
    expect(recordFieldPath('CEB625Message', 0, 'agentCode')).toBe('CEB625Message.InvtRefund[0].InvtRefundHead.agentCode');
    expect(recordFieldPath('CEB623Message', 2, 'ebcCode')).toBe('CEB623Message.InvtCancel[2].ebcCode');
    expect(recordFieldPath('CEB711Message', 0, 'operatorCode')).toBe('CEB711Message.Delivery.DeliveryHead.operatorCode');
  });
});
