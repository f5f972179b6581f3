/** Arrival lists (CEB711) for demo, tests and the benchmark. */
import { randomUUID } from 'node:crypto';
import { MESSAGES, buildDocument } from '../ceb/index.ts';
import { cstTime14 } from '../platform/time.ts';
import type { Party } from './flows.ts';
import { demoSign } from './keys.ts';

/**
 * A CEB711 arrival list (入库明细单) from the supervision-site operator `operator`: the parcels
 * `logisticsNos` of one cross-border shipment arrived. Transport data (customs, flight, voyage,
 * master bill, carrier) come from a 9610 inventory head of that shipment. Signed with the
 * operator's demo key (CEB711 requires a signature).
 */
export function arrivalList(operator: Party, inventoryHead: Record<string, string>, logisticsNos: string[], now = new Date()): string {
  const guid = randomUUID().toUpperCase();
  const h = inventoryHead;
  const xml = buildDocument(
    MESSAGES.CEB711Message,
    {
      guid,
      version: '1.0',
      Delivery: {
        DeliveryHead: {
          guid, appType: '1', appTime: cstTime14(now), appStatus: '2', customsCode: h.customsCode,
          copNo: `RK${logisticsNos[0].slice(-18)}`,
          operatorCode: operator.code, operatorName: operator.name, ieFlag: 'I',
          trafMode: h.trafMode, trafNo: h.trafNo, voyageNo: h.voyageNo, billNo: h.billNo,
          logisticsCode: h.logisticsCode, logisticsName: h.logisticsName,
        },
        DeliveryList: logisticsNos.map((logisticsNo, k) => ({ gnum: String(k + 1), logisticsNo })),
      },
      BaseTransfer: { copCode: operator.code, copName: operator.name, dxpMode: 'DXP', dxpId: operator.dxpId },
    },
    { prefix: 'ceb' },
  );
  return demoSign(xml, operator.code);
}
