/** SM2-SM3 and RSA-SHA1 primitives: signers checked against their certificate, verification, signature-value encoding. */
import { createPrivateKey, createPublicKey, sign as cryptoSign } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { children, readTlv, sm2PrivateScalar, type ParsedCertificate, type Tlv } from './certificate.ts';
import { SM2_USER_ID, type SigningKey } from './dsig-model.ts';

export type Signer = (data: Buffer) => Buffer;

export function signerFor(key: SigningKey, cert: ParsedCertificate): Signer {
  const pk = createPrivateKey(key.privateKeyPem);
  if (key.algorithm === 'sm2-sm3') {
    const d = sm2PrivateScalar(pk.export({ type: 'pkcs8', format: 'der' }));
    const publicKey = sm2.getPublicKeyFromPrivateKey(d);
    if (!cert.sm2PublicKey) throw new Error('signCeb: the certificate does not hold an SM2 public key');
    if (publicKey.toLowerCase() !== cert.sm2PublicKey) throw new Error('signCeb: the private key does not match the certificate');
    return (data) => Buffer.from(sm2.doSignature(data, d, { hash: true, der: false, userId: SM2_USER_ID, publicKey }), 'hex');
  }
  if (key.algorithm === 'rsa-sha1') {
    if (pk.asymmetricKeyType !== 'rsa') throw new Error('signCeb: rsa-sha1 needs an RSA private key');
    const mine = createPublicKey(pk).export({ type: 'spki', format: 'der' });
    if (!cert.x509 || !mine.equals(cert.x509.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new Error('signCeb: the private key does not match the certificate');
    }
    return (data) => cryptoSign('sha1', data, pk);
  }
  throw new Error(`signCeb: unknown algorithm ${String(key.algorithm)}`);
}

const precomputed = new Map<string, ReturnType<typeof sm2.precomputePublicKey>>();

export function sm2Verify(data: Buffer, rsHex: string, publicKeyHex: string): boolean {
  try {
    // A certificate is read before anything vouches for it: its "point" may lie off the curve.
    let point = precomputed.get(publicKeyHex);
    if (!point) {
      point = sm2.precomputePublicKey(publicKeyHex);
      if (precomputed.size >= 256) precomputed.delete(precomputed.keys().next().value!);
      precomputed.set(publicKeyHex, point);
    }
    return sm2.doVerifySignature(data, rsHex, point, { hash: true, der: false, userId: SM2_USER_ID });
  } catch {
    return false;
  }
}

/** A signature value as 128 hex digits r‖s: raw 64 bytes, or DER SEQUENCE { r INTEGER, s INTEGER }. */
export function sm2RawSignature(value: Buffer): string | null {
  if (value.length === 64) return value.toString('hex');
  try {
    const seq = readTlv(value, 0);
    if (seq.tag !== 0x30 || seq.next !== value.length) return null;
    const [r, s] = children(value, seq);
    if (!r || !s || r.tag !== 0x02 || s.tag !== 0x02) return null;
    const int = (t: Tlv) => {
      let b = value.subarray(t.start, t.end);
      while (b.length > 32 && b[0] === 0) b = b.subarray(1);
      return b.length > 32 ? null : b.toString('hex').padStart(64, '0');
    };
    const rh = int(r);
    const sh = int(s);
    return rh && sh ? rh + sh : null;
  } catch {
    return null;
  }
}
