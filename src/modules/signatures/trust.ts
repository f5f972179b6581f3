/**
 * Trust anchors: the CA certificates whose certificates may be registered. In production the
 * e-port CA (中国电子口岸证书管理中心, SILKGATE_TRUSTED_CA_FILE); in demo mode also the sandbox CA.
 */
import { X509Certificate } from 'node:crypto';
import { issuedBy, readCertificate } from '../../ceb/certificate.ts';

export interface Anchor {
  der: Buffer;
  subject: string;
  /** Where it came from: the configured file or the sandbox. */
  source: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle (DER). Throws naming `what` when there is none or one is unreadable. */
export function pemCertificates(pem: string, what: string): Buffer[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (!blocks.length) throw new Error(`${what}: no PEM certificate found`);
  return blocks.map((b, i) => {
    try {
      return Buffer.from(new X509Certificate(b).raw);
    } catch (e) {
      throw new Error(`${what}: certificate ${i + 1} is unreadable (${(e as Error).message})`);
    }
  });
}

export class TrustStore {
  constructor(readonly anchors: Anchor[]) {}

  static from(bundles: Array<{ pem: string; source: string }>): TrustStore {
    const anchors: Anchor[] = [];
    for (const b of bundles) {
      for (const der of pemCertificates(b.pem, b.source)) anchors.push({ der, subject: readCertificate(der).info.subject, source: b.source });
    }
    return new TrustStore(anchors);
  }

  /** The anchor that issued `der`, or null. */
  issuerOf(der: Buffer): Anchor | null {
    for (const a of this.anchors) if (issuedBy(der, a.der).ok) return a;
    return null;
  }

  describe(): string {
    return this.anchors.map((a) => a.subject).join('; ') || 'none configured';
  }
}
