/**
 * Signing keys the platform holds for enterprises (stored encrypted, listed, disabled) and
 * signing as a service with them; certificates are registered through the registry.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readCertificate, type ParsedCertificate } from '../../ceb/certificate.ts';
import { signCeb, verifyCeb, type SigningKey } from '../../ceb/dsig.ts';
import { AppError } from '../../platform/errors.ts';
import { requireRead, requireWrite, type Caller } from '../../platform/access.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import type { CertificatesService } from './certificates.service.ts';
import { actorOf, bad, duplicateIsConflict, iso, keyAlgorithm, ownerOf, type AuditPort, type EnterpriseDirectory } from './common.ts';
import { seal, unseal, type KeyEncryption } from './keystore.ts';
import type { SignaturesRepository, SigningKeyRow } from './signatures.repository.ts';
import type { SignRequest, Signed } from './sign.task.ts';
import { pemCertificates } from './trust.ts';

export interface SigningKeyView {
  id: number;
  enterpriseId: number;
  certificateId: number;
  certificateSerial: string;
  certificateFingerprint: string;
  algorithm: string;
  uses: number;
  lastUsedAt: string | null;
  createdAt: string;
  disabledAt: string | null;
}

export class SigningService {
  constructor(
    private readonly repo: SignaturesRepository,
    private readonly audit: AuditPort,
    private readonly enterprises: EnterpriseDirectory,
    private readonly cpu: Cpu,
    private readonly kek: KeyEncryption,
    /** The registry: a key's certificate is registered there when it is not yet. */
    private readonly certificates: CertificatesService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores the caller's signing key, encrypted: its certificate must be registered to the caller
   * for signing (or is registered now), and key and certificate must match (a probe is signed
   * and verified).
   */
  async storeKey(caller: Caller, input: { privateKeyPem: string; certificatePem: string }): Promise<SigningKeyView> {
    requireWrite(caller, 'manage');
    return this.storeKeyFor(caller.id, input, actorOf(caller));
  }

  private async storeKeyFor(enterpriseId: number, input: { privateKeyPem: string; certificatePem: string }, actor: string): Promise<SigningKeyView> {
    const kek = this.requireKek();
    const owner = await ownerOf(this.enterprises, enterpriseId);
    let der: Buffer;
    try {
      const certs = pemCertificates(input.certificatePem, 'certificatePem');
      if (certs.length !== 1) throw new Error(`${certs.length} certificates; send only the signing certificate`);
      der = certs[0];
    } catch (e) {
      throw bad('certificatePem is not one PEM certificate.', [{ path: 'certificatePem', rule: 'x509', expected: 'one PEM certificate (-----BEGIN CERTIFICATE-----)', actual: (e as Error).message }]);
    }
    let parsed: ParsedCertificate;
    try {
      parsed = readCertificate(der);
    } catch (e) {
      throw bad('certificatePem cannot be read.', [{ path: 'certificatePem', rule: 'x509', expected: 'an X.509 certificate', actual: (e as Error).message }]);
    }
    const algorithm: SigningKey['algorithm'] | null = parsed.sm2PublicKey ? 'sm2-sm3' : parsed.x509?.publicKey.asymmetricKeyType === 'rsa' ? 'rsa-sha1' : null;
    if (!algorithm) throw bad('A signing certificate must hold an SM2 or RSA key.', [{ path: 'certificatePem', rule: 'algorithm', expected: 'SM2 (sm2-sm3) or RSA (rsa-sha1)', actual: keyAlgorithm(parsed) }]);
    let pkcs8: string;
    try {
      pkcs8 = createPrivateKey(input.privateKeyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
    } catch (e) {
      throw bad('privateKeyPem is not a readable private key.', [{ path: 'privateKeyPem', rule: 'private-key', expected: 'an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)', actual: (e as Error).message.split('\n')[0] }]);
    }
    const key: SigningKey = { algorithm, privateKeyPem: pkcs8, certificateDer: der };
    const probe = probeSignature(key);
    if (probe) throw bad('The private key does not match the certificate.', [{ path: 'privateKeyPem', rule: 'key-pair', expected: 'the private key of the certificate', actual: probe }]);

    const fp = parsed.info.fingerprintSha256;
    const row = await duplicateIsConflict(() => this.repo.transaction(async (trx) => {
      let cert = await this.repo.certificateByFingerprint(trx, fp);
      if (!cert) cert = await this.certificates.insertCertificate(trx, owner, der, 'signing', actor);
      else {
        const issue = { path: 'certificatePem', rule: 'registered', expected: 'a signing certificate of yours, in force' };
        if (cert.enterprise_id !== enterpriseId) throw new AppError('FORBIDDEN', 'This certificate is registered to another enterprise.', [{ ...issue, actual: 'registered to another enterprise' }]);
        if (cert.purpose !== 'signing') throw bad('This certificate is registered for client authentication, not for signing.', [{ ...issue, actual: `purpose ${cert.purpose}` }]);
        if (cert.revoked_at !== null) throw new AppError('CONFLICT', `This certificate was revoked on ${iso(cert.revoked_at)}.`, [{ ...issue, actual: `revoked ${iso(cert.revoked_at)}` }]);
        const now = this.now();
        if (now < cert.not_before || now > cert.not_after) throw bad('This certificate is not valid now.', [{ ...issue, actual: `valid ${iso(cert.not_before)} to ${iso(cert.not_after)}` }]);
        if (await this.repo.enabledKeyOf(trx, cert.id)) {
          throw new AppError('CONFLICT', 'The platform already holds a key for this certificate: disable it first (DELETE /api/v1/signing-keys/:id).', [{ ...issue, actual: `a key for certificate ${cert.id} is held` }]);
        }
      }
      const now = this.now();
      const sealed = seal(kek, pkcs8, enterpriseId, cert.fingerprint);
      const k = await this.repo.insertKey(trx, {
        enterprise_id: enterpriseId,
        certificate_id: cert.id,
        algorithm,
        key_ciphertext: sealed.ciphertext,
        key_iv: sealed.iv,
        key_tag: sealed.tag,
        created_at: now,
      });
      await this.audit.append(trx, [
        { actor, action: 'signing-key.stored', subject: `signing-key:${k.id}`, enterpriseId, at: now, detail: { certificateId: cert.id, fingerprint: cert.fingerprint, serial: cert.serial_hex, algorithm } },
      ]);
      return { ...k, serial_hex: cert.serial_hex, fingerprint: cert.fingerprint };
    }));
    return keyView(row);
  }

  async keys(caller: Caller): Promise<SigningKeyView[]> {
    requireRead(caller);
    return (await this.repo.keys(this.repo.db, caller.readable === 'all' ? null : [caller.id])).map(keyView);
  }

  /** Disables a signing key (and erases it): the caller's own, or any for the operator. */
  async disableKey(caller: Caller, id: number): Promise<SigningKeyView> {
    requireWrite(caller, 'manage');
    const operator = caller.roles.includes('operator');
    return this.repo.transaction(async (trx) => {
      const k = await this.repo.key(trx, id);
      if (!k || (k.enterprise_id !== caller.id && !operator)) throw new AppError('NOT_FOUND', `No signing key ${id} of yours.`, [{ path: 'id', rule: 'exists', expected: 'a signing key you may disable', actual: String(id) }]);
      if (k.disabled_at !== null) throw new AppError('CONFLICT', `Signing key ${id} was already disabled on ${iso(k.disabled_at)}.`, [{ path: 'id', rule: 'enabled', expected: 'an enabled key', actual: `disabled ${iso(k.disabled_at)}` }]);
      const now = this.now();
      await this.repo.disableKey(trx, id, now);
      await this.audit.append(trx, [{ actor: actorOf(caller), action: 'signing-key.disabled', subject: `signing-key:${id}`, enterpriseId: k.enterprise_id, at: now, detail: { certificateId: k.certificate_id } }]);
      const cert = await this.repo.certificate(trx, k.certificate_id);
      return keyView({ ...k, disabled_at: now, serial_hex: cert?.serial_hex ?? '', fingerprint: cert?.fingerprint ?? '' });
    });
  }

  /**
   * Signs an unsigned CEB message of the caller with its key held by the platform (on the CPU
   * pool); records the use (count, time, audit entry with the digest of the signed bytes).
   */
  async sign(caller: Caller, body: Buffer): Promise<Signed & { certificate: { serialHex: string; fingerprint: string }; algorithm: string }> {
    requireWrite(caller, 'declare');
    const kek = this.requireKek();
    const now = this.now();
    const usable = (await this.repo.usableKeys(this.repo.db, caller.id)).find(({ certificate: c }) => now >= c.not_before && now <= c.not_after);
    if (!usable) {
      throw new AppError('NOT_FOUND', `The platform holds no signing key of ${caller.code} in force: upload one (POST /api/v1/signing-keys).`, [
        { path: 'signing-key', rule: 'exists', expected: 'an enabled signing key with a registered, valid certificate', actual: 'none' },
      ]);
    }
    const { key, certificate } = usable;
    const pem = unseal(kek, { ciphertext: key.key_ciphertext, iv: key.key_iv, tag: key.key_tag }, caller.id, certificate.fingerprint);
    if (pem === null) {
      throw new AppError('UNAVAILABLE', `Signing key ${key.id} cannot be decrypted with the configured key-encryption key (SILKGATE_KEY_ENCRYPTION_KEY changed?): upload the key again.`);
    }
    const req: SignRequest = {
      sender: { code: caller.code, dxpId: caller.dxpId },
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      key: { algorithm: key.algorithm as SigningKey['algorithm'], privateKeyPem: pem, certificateDer: new Uint8Array(certificate.der) },
    };
    const signed = await this.cpu.run<Signed>('signMessage', req);
    await this.repo.transaction(async (trx) => {
      const at = this.now();
      await this.repo.noteUse(trx, key.id, at);
      await this.audit.append(trx, [
        {
          actor: actorOf(caller),
          action: 'signature.used',
          subject: `signing-key:${key.id}`,
          enterpriseId: caller.id,
          at,
          detail: { messageType: signed.messageType, guid: signed.guid, sha256: signed.sha256, certificateSerial: certificate.serial_hex, algorithm: key.algorithm },
        },
      ]);
    });
    return { ...signed, certificate: { serialHex: certificate.serial_hex, fingerprint: certificate.fingerprint }, algorithm: key.algorithm };
  }

  /**
   * Registers `der` (purpose signing) for `enterpriseId` and stores its key, unless done already:
   * the demo zone's keys. Actor `system`.
   */
  async ensureKey(enterpriseId: number, key: SigningKey): Promise<'stored' | 'registered' | 'present'> {
    const fp = readCertificate(key.certificateDer).info.fingerprintSha256;
    const cert = await this.repo.certificateByFingerprint(this.repo.db, fp);
    if (cert && cert.revoked_at !== null) return 'present';
    if (!this.kek.ok) {
      if (cert) return 'present';
      const owner = await ownerOf(this.enterprises, enterpriseId);
      await this.repo.transaction((trx) => this.certificates.insertCertificate(trx, owner, key.certificateDer, 'signing', 'system'));
      return 'registered';
    }
    if (cert && (await this.repo.enabledKeyOf(this.repo.db, cert.id))) return 'present';
    const certificatePem = new X509Certificate(key.certificateDer).toString();
    await this.storeKeyFor(enterpriseId, { privateKeyPem: key.privateKeyPem, certificatePem }, 'system');
    return 'stored';
  }

  private requireKek(): Buffer {
    if (!this.kek.ok) throw new AppError('UNAVAILABLE', this.kek.reason);
    return this.kek.key;
  }
}

function keyView(k: SigningKeyRow & { serial_hex: string; fingerprint: string }): SigningKeyView {
  return {
    id: k.id,
    enterpriseId: k.enterprise_id,
    certificateId: k.certificate_id,
    certificateSerial: k.serial_hex,
    certificateFingerprint: k.fingerprint,
    algorithm: k.algorithm,
    uses: k.uses,
    lastUsedAt: iso(k.last_used_at),
    createdAt: iso(k.created_at)!,
    disabledAt: iso(k.disabled_at),
  };
}

/** Signs and verifies a tiny document: null when key and certificate belong together, else why not. */
function probeSignature(key: SigningKey): string | null {
  try {
    const signed = signCeb('<ceb:Probe xmlns:ceb="http://www.chinaport.gov.cn/ceb">silkgate key probe</ceb:Probe>', key);
    const v = verifyCeb(signed);
    return v.ok ? null : (v.reason ?? 'the probe signature does not verify');
  } catch (e) {
    return (e as Error).message.replace(/^signCeb: /, '');
  }
}
