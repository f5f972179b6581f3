/** XML-DSig vocabulary of CEB messages: keys, certificates, verification results, algorithm URIs. */

export type Algorithm = 'sm2-sm3' | 'rsa-sha1';

/**
 * A software signing key. `privateKeyPem`: an SM2 key (PKCS#8 as made by
 * `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2`, or SEC1) or an RSA key;
 * `certificateDer`: the matching X.509 certificate in DER.
 */
export interface SigningKey {
  algorithm: Algorithm;
  privateKeyPem: string;
  certificateDer: Buffer;
}

export interface CertificateInfo {
  der: Buffer;
  /** Serial number in lower-case hex with leading zeros (the KeyName form). */
  serialHex: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprintSha256: string;
}

export interface Verification {
  ok: boolean;
  algorithm?: Algorithm | 'sm2-sha1-variant';
  certificate?: CertificateInfo;
  reason?: string;
}

export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const CEB_NS = 'http://www.chinaport.gov.cn/ceb';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export const URI = {
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  sm2sm3: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3',
  sm3: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3',
  /** The de-facto variant emitted by the only public SM2 tool (with a SHA-1 digest). */
  sm2sm3Variant: 'http://www.w3.org/2000/09/xmldsig#sm2-sm3',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** GM/T 0009 default user ID used for the SM2 Z value. */
export const SM2_USER_ID = '1234567812345678';

export const DIGESTS: Record<string, 'sm3' | 'sha1' | 'sha256'> = { [URI.sm3]: 'sm3', [URI.sha1]: 'sha1', [URI.sha256]: 'sha256' };
export const SIGNATURE_METHODS: Record<string, Algorithm | 'sm2-sha1-variant'> = {
  [URI.sm2sm3]: 'sm2-sm3',
  [URI.sm2sm3Variant]: 'sm2-sha1-variant',
  [URI.rsaSha1]: 'rsa-sha1',
};
