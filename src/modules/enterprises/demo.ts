/**
 * The demo zone: on an empty database, an operator and one approved enterprise of each role
 * (regulators and a bank included), a delegation from the e-commerce enterprise to the
 * declaration agent and its consent to the bank, with API keys written to
 * <data dir>/demo-credentials.json so a newcomer can send a flow at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Role } from '../../platform/access.ts';
import type { EnterprisesService } from './enterprises.service.ts';
import { SYSTEM } from './shared.ts';

export interface DemoCredential {
  role: Role;
  code: string;
  name: string;
  dxpId: string;
  apiKey: string;
  /** Console account of the enterprise, when the demo zone made one. */
  username?: string;
  password?: string;
}

export interface DemoEnterprise {
  role: Role;
  code: string;
  name: string;
  dxpId: string;
  /** A valid unified social credit code (check character per GB 32100-2015), made up for the demo. */
  uscc: string;
}

export const DEMO_ENTERPRISES: DemoEnterprise[] = [
  { role: 'operator', code: 'SGZONE0001', name: '杭州跨境电商综试区公共服务平台运营中心', dxpId: 'DXPENT0000011000', uscc: '12330100MB1A0001XE' },
  { role: 'ebp', code: '3301964J31', name: '杭州云购跨境电子商务平台有限公司', dxpId: 'DXPENT0000011001', uscc: '91330100MA27U0019Q' },
  { role: 'ebc', code: '3301966A01', name: '杭州海淘优选贸易有限公司', dxpId: 'DXPENT0000011002', uscc: '91330104MA2H3A018P' },
  { role: 'payment', code: '3122260001', name: '连连跨境支付有限公司', dxpId: 'DXPENT0000011003', uscc: '91330108MA2CL0014K' },
  { role: 'logistics', code: '3301980L01', name: '杭州顺达国际物流有限公司', dxpId: 'DXPENT0000011004', uscc: '91330101MA2L0G011J' },
  { role: 'warehouse', code: '3301W60001', name: '杭州下沙保税物流中心仓储有限公司', dxpId: 'DXPENT0000011005', uscc: '91330104MA2W60010A' },
  { role: 'agent', code: '3301980A02', name: '杭州关通报关代理有限公司', dxpId: 'DXPENT0000011006', uscc: '91330101MA2A02013R' },
  { role: 'overseas', code: '3301960OW1', name: '杭州海联海外仓储服务有限公司', dxpId: 'DXPENT0000011007', uscc: '91330100MA2HW0019A' },
  { role: 'bank', code: '3301B00001', name: '中国银行股份有限公司杭州市分行', dxpId: 'DXPENT0000011008', uscc: '91330100MA2B000192' },
  { role: 'customs', code: '2900000001', name: '中华人民共和国杭州海关', dxpId: 'DXPENT0000011009', uscc: '113300000000000199' },
  { role: 'commerce', code: '3301COM001', name: '杭州市商务局', dxpId: 'DXPENT0000011010', uscc: '11330100MB0C0001XG' },
];

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** Creates the demo zone if the database has no enterprise yet; returns the credentials file path when it did. */
export async function ensureDemoZone(enterprises: EnterprisesService, dataDir: string): Promise<string | null> {
  if ((await enterprises.count()) > 0) return null;
  const creds: DemoCredential[] = [];
  const made = new Map<Role, { id: number; code: string; name: string }>();
  for (const { uscc, ...e } of DEMO_ENTERPRISES) {
    const contacts = [{ name: `${e.name.slice(0, 4)}联系人`, phone: `0571-8688${e.dxpId.slice(-4)}`, email: `filing-${e.code.toLowerCase()}@example.com`, role: '业务联系人' }];
    const { enterprise, apiKey } = await enterprises.create({ code: e.code, name: e.name, dxpId: e.dxpId, roles: [e.role], uscc, contacts });
    made.set(e.role, enterprise);
    creds.push({ ...e, apiKey });
  }
  const now = Date.now();
  const ebc = made.get('ebc')!;
  await enterprises.grants.grantDelegation(ebc, made.get('agent')!, ['CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB603Message', 'CEB605Message', 'CEB607Message', 'CEB701Message', 'CEB213Message'], now, now + TEN_YEARS_MS, SYSTEM, now);
  await enterprises.grants.grantConsent(ebc, made.get('bank')!, ['messages', 'receipts', 'stock'], now + TEN_YEARS_MS, SYSTEM, now);
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'demo-credentials.json');
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return file;
}
