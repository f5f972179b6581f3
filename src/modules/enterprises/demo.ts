/**
 * The demo zone: on an empty database, an operator and one enterprise of each role, with API
 * keys written to <data dir>/demo-credentials.json so a newcomer can send a flow at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EnterprisesService, Role } from './enterprises.service.ts';

export interface DemoCredential {
  role: Role;
  code: string;
  name: string;
  dxpId: string;
  apiKey: string;
}

export const DEMO_ENTERPRISES: Array<Omit<DemoCredential, 'apiKey'>> = [
  { role: 'operator', code: 'SGZONE0001', name: '杭州跨境电商综试区公共服务平台运营中心', dxpId: 'DXPENT0000011000' },
  { role: 'ebp', code: '3301964J31', name: '杭州云购跨境电子商务平台有限公司', dxpId: 'DXPENT0000011001' },
  { role: 'ebc', code: '3301966A01', name: '杭州海淘优选贸易有限公司', dxpId: 'DXPENT0000011002' },
  { role: 'payment', code: '3122260001', name: '连连跨境支付有限公司', dxpId: 'DXPENT0000011003' },
  { role: 'logistics', code: '3301980L01', name: '杭州顺达国际物流有限公司', dxpId: 'DXPENT0000011004' },
  { role: 'warehouse', code: '3301W60001', name: '杭州下沙保税物流中心仓储有限公司', dxpId: 'DXPENT0000011005' },
  { role: 'agent', code: '3301980A02', name: '杭州关通报关代理有限公司', dxpId: 'DXPENT0000011006' },
];

/** Creates the demo zone if the database has no enterprise yet; returns the credentials file path when it did. */
export async function ensureDemoZone(enterprises: EnterprisesService, dataDir: string): Promise<string | null> {
  if ((await enterprises.count()) > 0) return null;
  const creds: DemoCredential[] = [];
  for (const e of DEMO_ENTERPRISES) {
    const { apiKey } = await enterprises.create({ code: e.code, name: e.name, dxpId: e.dxpId, roles: [e.role] });
    creds.push({ ...e, apiKey });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'demo-credentials.json');
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return file;
}
