/** The fast path of verification: the usual signature shape checked on c14n.ts's single streaming pass. */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { readCertificate, type ParsedCertificate } from './certificate.ts';
import { envelopedParts, type SigNode } from './c14n.ts';
import { sm2RawSignature, sm2Verify } from './dsig-crypto.ts';
import { DIGESTS, DS_NS, SIGNATURE_METHODS, URI, type Verification } from './dsig-model.ts';
import { stripSpace } from './dsig-xml.ts';

/**
 * The streaming path: only the exact shape signCeb makes and u-key tools emit (SignedInfo,
 * SignatureValue, KeyInfo; one Reference URI="" with the enveloped transform). Answers a good
 * verification or null — never a refusal, so a shape it does not know costs time, not a verdict.
 */
export function verifyStreaming(text: string): Verification | null {
  try {
    return streaming(text);
  } catch {
    return null;
  }
}

function streaming(text: string): Verification | null {
  const parts = envelopedParts(text);
  if (!parts) return null;
  const ds = (n: SigNode | undefined, local: string): n is SigNode => n !== undefined && n.ns === DS_NS && n.local === local;
  const leaf = (n: SigNode) => (n.children.length ? null : stripSpace(n.text));
  const [si, sv, ki, ...rest] = parts.signature.children;
  if (!ds(si, 'SignedInfo') || !ds(sv, 'SignatureValue') || !ds(ki, 'KeyInfo') || rest.length) return null;
  const [cm, sm, ref, ...more] = si.children;
  if (!ds(cm, 'CanonicalizationMethod') || !ds(sm, 'SignatureMethod') || !ds(ref, 'Reference') || more.length) return null;
  if (cm.attrs.Algorithm !== URI.c14n || ref.attrs.URI !== '') return null;
  const algorithm = Object.hasOwn(SIGNATURE_METHODS, sm.attrs.Algorithm ?? '') ? SIGNATURE_METHODS[sm.attrs.Algorithm] : undefined;
  if (!algorithm) return null;
  const [tr, dm, dv, ...extra] = ref.children;
  if (!ds(tr, 'Transforms') || !ds(dm, 'DigestMethod') || !ds(dv, 'DigestValue') || extra.length) return null;
  const t = tr.children;
  if (t.length < 1 || t.length > 2 || !t.every((x) => ds(x, 'Transform')) || t[0].attrs.Algorithm !== URI.enveloped || (t[1] && t[1].attrs.Algorithm !== URI.c14n)) return null;
  const digestAlg = Object.hasOwn(DIGESTS, dm.attrs.Algorithm ?? '') ? DIGESTS[dm.attrs.Algorithm] : undefined;
  if (!digestAlg) return null;
  const certEl = firstDs(ki, 'X509Certificate');
  const certB64 = certEl && leaf(certEl);
  const digestB64 = leaf(dv);
  const valueB64 = leaf(sv);
  if (!certB64 || digestB64 === null || valueB64 === null) return null;
  const cert = certificateOf(certB64);
  if (!cert) return null;
  if (!createHash(digestAlg).update(parts.document, 'utf8').digest().equals(Buffer.from(digestB64, 'base64'))) return null;
  const signed = Buffer.from(parts.signedInfo, 'utf8');
  const value = Buffer.from(valueB64, 'base64');
  let good = false;
  if (algorithm === 'rsa-sha1') {
    good = !!cert.x509 && cert.x509.publicKey.asymmetricKeyType === 'rsa' && cryptoVerify('sha1', signed, cert.x509.publicKey, value);
  } else if (cert.sm2PublicKey) {
    const rs = sm2RawSignature(value);
    good = rs !== null && sm2Verify(signed, rs, cert.sm2PublicKey);
  }
  return good ? { ok: true, algorithm, certificate: cert.info } : null;
}

/** Parsed certificates by their base64 text: an enterprise signs every message with the same one. */
const certificates = new Map<string, ParsedCertificate | null>();

function certificateOf(b64: string): ParsedCertificate | null {
  let cert = certificates.get(b64);
  if (cert === undefined) {
    try {
      cert = readCertificate(Buffer.from(b64, 'base64'));
    } catch {
      cert = null;
    }
    if (certificates.size >= 256) certificates.delete(certificates.keys().next().value!);
    certificates.set(b64, cert);
  }
  return cert;
}

function firstDs(n: SigNode, local: string): SigNode | undefined {
  for (const c of n.children) {
    if (c.ns === DS_NS && c.local === local) return c;
    const deeper = firstDs(c, local);
    if (deeper) return deeper;
  }
  return undefined;
}
