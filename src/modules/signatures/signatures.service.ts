/**
 * The signatures module's service as the rest of the platform sees it: the certificate registry
 * (certificates.service.ts) and the signing keys held by the platform (signing.service.ts),
 * composed over one repository and one certificate cache.
 */
import type { SigningKey } from '../../ceb/dsig.ts';
import type { Caller } from '../../platform/access.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { CertificatesService, type CertificateView, type SignedMessage } from './certificates.service.ts';
import type { AuditPort, EnterpriseDirectory, Purpose } from './common.ts';
import type { KeyEncryption } from './keystore.ts';
import type { SignaturesRepository } from './signatures.repository.ts';
import type { Signed } from './sign.task.ts';
import { SigningService, type SigningKeyView } from './signing.service.ts';
import type { TrustStore } from './trust.ts';

export { SIGNATURE_REQUIRED, PURPOSES, type Purpose, type EnterpriseDirectory, type AuditPort } from './common.ts';
export type { CertificateView, SignedMessage } from './certificates.service.ts';
export type { SigningKeyView } from './signing.service.ts';

export class SignaturesService {
  readonly certificates: CertificatesService;
  readonly signing: SigningService;

  constructor(
    repo: SignaturesRepository,
    audit: AuditPort,
    enterprises: EnterpriseDirectory,
    cpu: Cpu,
    /** Trust anchors by purpose: signing certificates (the e-port CA), client certificates (also the TLS client CA). */
    trust: Record<Purpose, TrustStore>,
    kek: KeyEncryption,
    now: () => number = Date.now,
  ) {
    this.certificates = new CertificatesService(repo, audit, enterprises, trust, now);
    this.signing = new SigningService(repo, audit, enterprises, cpu, kek, this.certificates, now);
  }

  /** The check of a signed message before the group commit (see CertificatesService.check). */
  check(m: SignedMessage): Promise<void> {
    return this.certificates.check(m);
  }

  clientCaller(der: Buffer): Promise<Caller | null> {
    return this.certificates.clientCaller(der);
  }

  register(caller: Caller, body: Buffer, purpose: Purpose): Promise<CertificateView> {
    return this.certificates.register(caller, body, purpose);
  }

  list(caller: Caller, purpose?: Purpose): Promise<CertificateView[]> {
    return this.certificates.list(caller, purpose);
  }

  revoke(caller: Caller, id: number): Promise<CertificateView> {
    return this.certificates.revoke(caller, id);
  }

  storeKey(caller: Caller, input: { privateKeyPem: string; certificatePem: string }): Promise<SigningKeyView> {
    return this.signing.storeKey(caller, input);
  }

  keys(caller: Caller): Promise<SigningKeyView[]> {
    return this.signing.keys(caller);
  }

  disableKey(caller: Caller, id: number): Promise<SigningKeyView> {
    return this.signing.disableKey(caller, id);
  }

  sign(caller: Caller, body: Buffer): Promise<Signed & { certificate: { serialHex: string; fingerprint: string }; algorithm: string }> {
    return this.signing.sign(caller, body);
  }

  ensureKey(enterpriseId: number, key: SigningKey): Promise<'stored' | 'registered' | 'present'> {
    return this.signing.ensureKey(enterpriseId, key);
  }
}
