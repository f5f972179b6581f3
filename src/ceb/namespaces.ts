import type { Namespace } from './schema/types.ts';

export const NS = {
  ceb: 'http://www.chinaport.gov.cn/ceb',
  dxp: 'http://www.chinaport.gov.cn/dxp',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export function nsUri(ns: Namespace): string {
  return NS[ns];
}
