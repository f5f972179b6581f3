/**
 * Just enough DER to read what Node cannot: the SM2 public point of a certificate, the private
 * scalar of a PKCS#8 key, and whether an SM2-with-SM3 certificate was issued by a given CA.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import type { CertificateInfo } from './dsig.ts';


export interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

export function readTlv(buf: Buffer, off: number): Tlv {
  if (off + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[off];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: high tag numbers unsupported');
  let len = buf[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('DER: truncated');
  return { tag, start, end, next: end };
}

export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = parent.start; off < parent.end; ) {
    const t = readTlv(buf, off);
    out.push(t);
    off = t.next;
  }
  return out;
}

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_SM2 = '2a811ccf5501822d'; // 1.2.156.10197.1.301
const OID_SM2_WITH_SM3 = '2a811ccf55018375'; // 1.2.156.10197.1.501

/** The private scalar (64 hex digits) of an SM2 key in PKCS#8 DER. */
export function sm2PrivateScalar(pkcs8: Buffer): string {
  const top = readTlv(pkcs8, 0);
  const [, alg, octets] = children(pkcs8, top);
  const [algOid, curveOid] = children(pkcs8, alg);
  const hex = (t: Tlv | undefined) => (t ? pkcs8.subarray(t.start, t.end).toString('hex') : '');
  const isSm2 = (hex(algOid) === OID_EC_PUBLIC_KEY && hex(curveOid) === OID_SM2) || hex(algOid) === OID_SM2;
  if (!isSm2) throw new Error('signCeb: sm2-sm3 needs an SM2 private key (curve 1.2.156.10197.1.301)');
  const ecKey = readTlv(pkcs8, octets.start);
  const [, d] = children(pkcs8, ecKey);
  if (d.tag !== 0x04) throw new Error('signCeb: malformed SM2 private key');
  return pkcs8.subarray(d.start, d.end).toString('hex').padStart(64, '0');
}

export interface ParsedCertificate {
  info: CertificateInfo;
  x509: X509Certificate | null;
  /** '04'+x+y lower-case hex when the subject key is an SM2 point. */
  sm2PublicKey: string | null;
}

export function readCertificate(der: Buffer): ParsedCertificate {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30) throw new Error('not a DER certificate');
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new Error('not a DER certificate');
  const fields = children(der, tbs);
  const o = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[o];
  const spki = fields[o + 5];
  if (!serial || serial.tag !== 0x02 || !spki || spki.tag !== 0x30) throw new Error('not a DER certificate');

  let serialBytes = der.subarray(serial.start, serial.end);
  if (serialBytes.length > 1 && serialBytes[0] === 0 && serialBytes[1] & 0x80) serialBytes = serialBytes.subarray(1);

  let sm2PublicKey: string | null = null;
  const [alg, bits] = children(der, spki);
  if (alg && bits && bits.tag === 0x03) {
    const [algOid, param] = children(der, alg);
    const hex = (t: Tlv | undefined) => (t && t.tag === 0x06 ? der.subarray(t.start, t.end).toString('hex') : '');
    if ((hex(algOid) === OID_EC_PUBLIC_KEY && hex(param) === OID_SM2) || hex(algOid) === OID_SM2) {
      const point = der.subarray(bits.start + 1, bits.end);
      if (point.length === 65 && point[0] === 4) sm2PublicKey = point.toString('hex');
    }
  }

  let x509: X509Certificate | null = null;
  try {
    x509 = new X509Certificate(der);
  } catch {
    x509 = null;
  }
  const validity = fields[o + 3];
  const [nb, na] = validity ? children(der, validity) : [];
  const info: CertificateInfo = {
    der: Buffer.from(der.subarray(0, cert.next)),
    serialHex: serialBytes.toString('hex'),
    subject: x509 ? x509.subject.split('\n').join(', ') : '',
    issuer: x509 ? x509.issuer.split('\n').join(', ') : '',
    notBefore: x509 ? new Date(x509.validFrom) : derTime(der, nb),
    notAfter: x509 ? new Date(x509.validTo) : derTime(der, na),
    fingerprintSha256: createHash('sha256').update(der.subarray(0, cert.next)).digest('hex'),
  };
  return { info, x509, sm2PublicKey };
}

function derTime(der: Buffer, t: Tlv | undefined): Date {
  if (!t) return new Date(NaN);
  const s = der.subarray(t.start, t.end).toString('latin1');
  const m = /^(\d{2,4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s);
  if (!m) return new Date(NaN);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/**
 * Was `child` issued by `issuer`? The issuer must be a CA certificate whose subject is the child's
 * issuer name, and its key must verify the child's signature: SM2-with-SM3 (OID
 * 1.2.156.10197.1.501, Z value with the default ID 1234567812345678, as the e-port CA signs),
 * anything else (RSA, ECDSA) through node:crypto. Validity dates are not judged here.
 */
export function issuedBy(child: Buffer, issuer: Buffer): { ok: boolean; reason?: string } {
  let c: ParsedCertificate;
  let ca: ParsedCertificate;
  try {
    c = readCertificate(child);
    ca = readCertificate(issuer);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (ca.x509 && !ca.x509.ca) return { ok: false, reason: 'the issuer certificate is not a CA certificate' };
  const top = readTlv(c.info.der, 0);
  const [tbs, alg, value] = children(c.info.der, top);
  if (!tbs || !alg || !value || value.tag !== 0x03) return { ok: false, reason: 'not a DER certificate' };
  if (!nameOf(c.info.der, 'issuer').equals(nameOf(ca.info.der, 'subject'))) return { ok: false, reason: 'issuer name differs from the CA subject' };
  const [algOid] = children(c.info.der, alg);
  const oid = algOid && algOid.tag === 0x06 ? c.info.der.subarray(algOid.start, algOid.end).toString('hex') : '';
  if (oid === OID_SM2_WITH_SM3) {
    if (!ca.sm2PublicKey) return { ok: false, reason: 'SM2-with-SM3 certificate, but the CA key is not SM2' };
    const tbsBytes = c.info.der.subarray(tbs.start - headerLength(c.info.der, tbs), tbs.end);
    const signature = c.info.der.subarray(value.start + 1, value.end).toString('hex');
    try {
      const ok = sm2.doVerifySignature(tbsBytes, signature, ca.sm2PublicKey, { hash: true, der: true, userId: '1234567812345678' });
      return ok ? { ok } : { ok, reason: 'the CA signature does not verify' };
    } catch {
      return { ok: false, reason: 'the CA signature does not verify' };
    }
  }
  if (!c.x509 || !ca.x509) return { ok: false, reason: 'certificate unreadable' };
  try {
    return c.x509.verify(ca.x509.publicKey) ? { ok: true } : { ok: false, reason: 'the CA signature does not verify' };
  } catch {
    return { ok: false, reason: `unsupported certificate signature algorithm ${oid}` };
  }
}

/** The DER of the issuer or subject Name of a certificate. */
function nameOf(der: Buffer, which: 'issuer' | 'subject'): Buffer {
  const tbs = children(der, readTlv(der, 0))[0];
  const fields = children(der, tbs);
  const o = fields[0]?.tag === 0xa0 ? 1 : 0;
  const t = fields[o + (which === 'issuer' ? 2 : 4)];
  return t ? der.subarray(t.start - headerLength(der, t), t.end) : Buffer.alloc(0);
}

/** Bytes of tag and length in front of a TLV's content. */
function headerLength(der: Buffer, t: Tlv): number {
  const len = t.end - t.start;
  return 2 + (len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4);
}
