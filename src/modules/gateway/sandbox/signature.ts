/**
 * The sandbox customs checks an inventory's signature as the e-port does: it must verify, and its
 * certificate must be issued by the sandbox CA (standing in for 中国电子口岸证书管理中心) and valid.
 */
import { X509Certificate } from 'node:crypto';
import { issuedBy } from '../../../ceb/certificate.ts';
import { verifyCeb } from '../../../ceb/dsig.ts';
import { SANDBOX_CA_PEM } from '../../../demo/keys.ts';

const SANDBOX_CA_DER = Buffer.from(new X509Certificate(SANDBOX_CA_PEM).raw);

/** Customs' refusal of a CEB621 for its signature (-621028 digest, -621029 otherwise), or null when it is good. */
export function inventorySignatureRefusal(ceb: Buffer, now: number): { code: string; info: string } | null {
  const v = verifyCeb(ceb);
  if (v.reason === 'digest mismatch') return { code: '-621028', info: '签名数据比对失败：报文内容与签名不符' };
  if (!v.ok || !v.certificate) return { code: '-621029', info: `签名验证失败：${v.reason ?? '签名无效'}` };
  const c = v.certificate;
  if (!issuedBy(c.der, SANDBOX_CA_DER).ok) return { code: '-621029', info: `签名验证失败：证书 ${c.serialHex} 不是沙箱证书中心签发的证书` };
  if (now < c.notBefore.getTime() || now > c.notAfter.getTime()) return { code: '-621029', info: `签名验证失败：证书 ${c.serialHex} 不在有效期内` };
  return null;
}
