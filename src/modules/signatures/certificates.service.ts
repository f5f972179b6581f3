/**
 * The certificate registry: enterprises' signing and mTLS client certificates (register, list,
 * revoke), the cached lookup by fingerprint, the check of every signed message before the group
 * commit, and the Caller of a registered client certificate.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { readCertificate, type ParsedCertificate } from '../../ceb/certificate.ts';
import type { SignatureCheck } from '../../ceb/dsig.ts';
import type { Issue } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import { SCOPES, requireRead, requireWrite, type Caller } from '../../platform/access.ts';
import { SIGNATURE_REQUIRED, actorOf, bad, duplicateIsConflict, iso, keyAlgorithm, ownerOf, type AuditPort, type EnterpriseDirectory, type Owner, type Purpose } from './common.ts';
import type { CertificateRow, SignaturesRepository } from './signatures.repository.ts';
import { pemCertificates, type TrustStore } from './trust.ts';

/** What ingest hands to the check: who sent which message with which signature. */
export interface SignedMessage {
  enterpriseId: number;
  messageType: string;
  guid: string;
  signature?: SignatureCheck | null;
}

export interface CertificateView {
  id: number;
  enterpriseId: number;
  enterpriseCode?: string;
  purpose: Purpose;
  fingerprint: string;
  serialHex: string;
  subject: string;
  issuer: string;
  algorithm: string;
  notBefore: string;
  notAfter: string;
  registeredAt: string;
  revokedAt: string | null;
  status: 'valid' | 'revoked' | 'expired' | 'not-yet-valid';
}

const CACHE_MS = 60_000;

/** Customs vocabulary of a refused signature: CEB621 codes, else the exchange platform's security codes. */
function customsCode(messageType: string, kind: Refusal): { returnStatus: string; returnInfo: string } {
  if (messageType === 'CEB621Message') {
    return kind === 'digest'
      ? { returnStatus: '-621028', returnInfo: '签名数据比对失败：报文内容与签名不符' }
      : { returnStatus: '-621029', returnInfo: `签名验证失败：${REFUSAL_ZH[kind]}` };
  }
  if (kind === 'digest') return { returnStatus: '1004', returnInfo: '签名与数据不符' };
  if (kind === 'expired') return { returnStatus: '1002', returnInfo: '证书已过期' };
  return { returnStatus: '1001', returnInfo: `签名无效：${REFUSAL_ZH[kind]}` };
}

type Refusal = 'missing' | 'malformed' | 'digest' | 'signature' | 'unregistered' | 'foreign' | 'revoked' | 'expired' | 'purpose';

const REFUSAL_ZH: Record<Refusal, string> = {
  missing: '缺少签名',
  malformed: '签名格式错误',
  digest: '报文内容与签名不符',
  signature: '签名值验证不通过',
  unregistered: '证书未在平台登记',
  foreign: '证书不属于发送企业',
  revoked: '证书已注销',
  expired: '证书已过期或尚未生效',
  purpose: '证书用途不是签名',
};

export class CertificatesService {
  private cache = new Map<string, { at: number; row: CertificateRow | null }>();

  constructor(
    private readonly repo: SignaturesRepository,
    private readonly audit: AuditPort,
    private readonly enterprises: EnterpriseDirectory,
    /** Trust anchors by purpose: signing certificates (the e-port CA), client certificates (also the TLS client CA). */
    private readonly trust: Record<Purpose, TrustStore>,
    private readonly now: () => number = Date.now,
  ) {}

  // -------------------------------------------------------------------------------------------
  // The check before the group commit (hot path: registered certificates are cached)

  /**
   * Refuses (AppError with customs' code) a message whose signature is required but missing,
   * does not verify, or is made with a certificate that is not registered for signing to the
   * sending enterprise, revoked, or not valid now.
   */
  async check(m: SignedMessage): Promise<void> {
    const sig = m.signature;
    const root = m.messageType;
    const at = `${root}.Signature`;
    if (!sig || !sig.present) {
      if (!SIGNATURE_REQUIRED.has(root)) return;
      throw this.refuse(root, 'missing', 400, `A ${root} must be signed (ds:Signature as the last child of the root).`, [{ path: at, rule: 'required', expected: 'an XML-DSig enveloped signature', actual: 'missing' }]);
    }
    if (!sig.ok) {
      if (sig.failure === 'digest') {
        throw this.refuse(root, 'digest', 403, 'The signature does not cover this message: the signed data was changed after signing (digest mismatch).', [
          { path: `${at}.SignedInfo.Reference.DigestValue`, rule: 'digest', expected: 'the digest of the message as received', actual: 'a different digest: the message changed after it was signed' },
        ]);
      }
      if (sig.failure === 'signature') {
        throw this.refuse(root, 'signature', 403, 'The signature value does not verify with the certificate in KeyInfo.', [
          { path: `${at}.SignatureValue`, rule: 'signature', expected: 'a signature of SignedInfo by the key of the certificate in KeyInfo', actual: 'does not verify' },
        ]);
      }
      throw this.refuse(root, 'malformed', 400, `The signature is malformed: ${sig.reason ?? 'unreadable'}.`, [
        { path: at, rule: 'signature-format', expected: 'enveloped XML-DSig, C14N 1.0, SM2-SM3 or RSA-SHA1, with the certificate in KeyInfo/X509Data', actual: sig.reason ?? 'unreadable' },
      ]);
    }
    const certAt = `${at}.KeyInfo.X509Data.X509Certificate`;
    const fp = sig.fingerprint ?? '';
    const cert = await this.registered(fp);
    const who = `certificate ${sig.serialHex ?? '?'} (SHA-256 ${fp.slice(0, 16)}…)`;
    if (!cert) {
      throw this.refuse(root, 'unregistered', 403, `The signing certificate is not registered on the platform: register it (POST /api/v1/certificates) before signing with it.`, [
        { path: certAt, rule: 'registered', expected: 'a signing certificate registered to the sending enterprise', actual: `${who}: not registered` },
      ]);
    }
    if (cert.enterprise_id !== m.enterpriseId) {
      throw this.refuse(root, 'foreign', 403, 'The signing certificate is registered to another enterprise than the sender.', [
        { path: certAt, rule: 'registered', expected: 'a signing certificate registered to the sending enterprise', actual: `${who}: registered to another enterprise` },
      ]);
    }
    if (cert.purpose !== 'signing') {
      throw this.refuse(root, 'purpose', 403, 'The certificate is registered for client authentication, not for signing.', [
        { path: certAt, rule: 'purpose', expected: 'purpose signing', actual: `purpose ${cert.purpose}` },
      ]);
    }
    if (cert.revoked_at !== null) {
      throw this.refuse(root, 'revoked', 403, `The signing certificate was revoked on ${iso(cert.revoked_at)}.`, [
        { path: certAt, rule: 'revoked', expected: 'a certificate not revoked', actual: `${who}: revoked ${iso(cert.revoked_at)}` },
      ]);
    }
    const now = this.now();
    if (now < cert.not_before || now > cert.not_after) {
      throw this.refuse(root, 'expired', 403, `The signing certificate is not valid now (valid from ${iso(cert.not_before)} to ${iso(cert.not_after)}).`, [
        { path: certAt, rule: 'validity', expected: 'a certificate valid at arrival', actual: `${who}: valid ${iso(cert.not_before)} to ${iso(cert.not_after)}` },
      ]);
    }
  }

  private refuse(messageType: string, kind: Refusal, status: 400 | 403, message: string, issues: Issue[]): AppError {
    return new AppError(status === 400 ? 'INVALID_MESSAGE' : 'FORBIDDEN', message, issues, customsCode(messageType, kind));
  }

  /** The registered certificate with this fingerprint (cached; a change invalidates). */
  private async registered(fingerprint: string): Promise<CertificateRow | null> {
    const now = this.now();
    const hit = this.cache.get(fingerprint);
    if (hit && now - hit.at < CACHE_MS) return hit.row;
    const row = await this.repo.certificateByFingerprint(this.repo.db, fingerprint);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(fingerprint, { at: now, row });
    return row;
  }

  private invalidate(fingerprint: string) {
    this.cache.delete(fingerprint);
  }

  // -------------------------------------------------------------------------------------------
  // mTLS: a client certificate registered with purpose `client`

  /** The Caller of a client certificate (DER) the TLS layer authorised; null when it is not registered to an approved enterprise. */
  async clientCaller(der: Buffer): Promise<Caller | null> {
    const cert = await this.registered(createHash('sha256').update(der).digest('hex'));
    const now = this.now();
    if (!cert || cert.purpose !== 'client' || cert.revoked_at !== null || now < cert.not_before || now > cert.not_after) return null;
    const caller = await this.enterprises.callerFor(cert.enterprise_id, 'certificate', new Set(SCOPES));
    return caller && caller.status === 'approved' ? caller : null;
  }

  // -------------------------------------------------------------------------------------------
  // The registry

  /** Registers a certificate (PEM or DER) of the caller's enterprise. */
  async register(caller: Caller, body: Buffer, purpose: Purpose): Promise<CertificateView> {
    requireWrite(caller, 'manage');
    const der = certificateBytes(body);
    const owner = await ownerOf(this.enterprises, caller.id);
    const row = await duplicateIsConflict(() => this.repo.transaction((trx) => this.insertCertificate(trx, owner, der, purpose, actorOf(caller))));
    return this.view(row);
  }

  /**
   * Checks and stores a certificate inside `trx`, with its audit entry. Refuses one not issued
   * by a trust anchor, not valid now, not naming the enterprise, unusable for its purpose, or
   * already registered. Also used by the signing service, inside its own transaction.
   */
  async insertCertificate(trx: Kysely<Database>, enterprise: Owner, der: Buffer, purpose: Purpose, actor: string): Promise<CertificateRow> {
    const enterpriseId = enterprise.id;
    let parsed: ParsedCertificate;
    try {
      parsed = readCertificate(der);
    } catch (e) {
      throw bad('The certificate cannot be read.', [{ path: 'certificate', rule: 'x509', expected: 'an X.509 certificate (PEM or DER)', actual: (e as Error).message }]);
    }
    const info = parsed.info;
    const trust = this.trust[purpose];
    if (!trust.anchors.length) {
      throw new AppError('UNAVAILABLE', 'No trust anchor is configured (SILKGATE_TRUSTED_CA_FILE): the platform cannot accept certificates.');
    }
    const anchor = trust.issuerOf(info.der);
    if (!anchor) {
      throw bad('The certificate was not issued by a certificate authority this platform trusts.', [
        { path: 'certificate.issuer', rule: 'trust-anchor', expected: `issued (and signed) by: ${trust.describe()}`, actual: info.issuer || 'unknown issuer' },
      ]);
    }
    const now = this.now();
    if (!(now >= info.notBefore.getTime() && now <= info.notAfter.getTime())) {
      throw bad('The certificate is not valid now.', [
        { path: 'certificate.validity', rule: 'validity', expected: `valid at ${new Date(now).toISOString()}`, actual: `${info.notBefore.toISOString()} to ${info.notAfter.toISOString()}` },
      ]);
    }
    // A certificate is public (every signed message carries it): naming the enterprise keeps one
    // enterprise from claiming another's certificate.
    if (!info.subject.includes(enterprise.code) && !info.subject.includes(enterprise.name)) {
      throw new AppError('FORBIDDEN', `The certificate does not name enterprise ${enterprise.code}.`, [
        { path: 'certificate.subject', rule: 'subject', expected: `a subject naming ${enterprise.code} or ${enterprise.name}`, actual: info.subject },
      ]);
    }
    const algorithm = keyAlgorithm(parsed);
    if (purpose === 'signing' && algorithm !== 'sm2' && algorithm !== 'rsa') {
      throw bad('A signing certificate must hold an SM2 or RSA key.', [{ path: 'certificate.publicKey', rule: 'algorithm', expected: 'SM2 (sm2-sm3) or RSA (rsa-sha1)', actual: algorithm }]);
    }
    const existing = await this.repo.certificateByFingerprint(trx, info.fingerprintSha256);
    if (existing) {
      throw new AppError('CONFLICT', `This certificate is already registered${existing.revoked_at !== null ? ' (and was revoked: a revoked certificate cannot be registered again)' : ''}.`, [
        { path: 'certificate', rule: 'unique', expected: 'a certificate not registered yet', actual: `SHA-256 ${info.fingerprintSha256}` },
      ]);
    }
    const row = await this.repo.insertCertificate(trx, {
      enterprise_id: enterpriseId,
      purpose,
      fingerprint: info.fingerprintSha256,
      serial_hex: info.serialHex,
      subject: info.subject,
      issuer: info.issuer,
      algorithm,
      not_before: info.notBefore.getTime(),
      not_after: info.notAfter.getTime(),
      der: info.der,
      registered_at: now,
    });
    await this.audit.append(trx, [
      {
        actor,
        action: 'certificate.registered',
        subject: `certificate:${row.id}`,
        enterpriseId,
        at: now,
        detail: { purpose, fingerprint: row.fingerprint, serial: row.serial_hex, subject: row.subject, issuer: row.issuer, algorithm, notBefore: iso(row.not_before), notAfter: iso(row.not_after), anchor: anchor.subject },
      },
    ]);
    this.invalidate(row.fingerprint);
    return row;
  }

  async list(caller: Caller, purpose?: Purpose): Promise<CertificateView[]> {
    requireRead(caller);
    const rows = await this.repo.certificates(this.repo.db, caller.readable === 'all' ? null : [caller.id], purpose);
    const codes = caller.readable === 'all' ? await this.codes(rows.map((r) => r.enterprise_id)) : null;
    return rows.map((r) => this.view(r, codes?.get(r.enterprise_id)));
  }

  /** Revokes a certificate of the caller's enterprise (the operator: any); its signing keys are disabled with it. */
  async revoke(caller: Caller, id: number): Promise<CertificateView> {
    requireWrite(caller, 'manage');
    const operator = caller.roles.includes('operator');
    const row = await this.repo.transaction(async (trx) => {
      const cert = await this.repo.certificate(trx, id);
      if (!cert || (cert.enterprise_id !== caller.id && !operator)) throw new AppError('NOT_FOUND', `No certificate ${id} of yours.`, [{ path: 'id', rule: 'exists', expected: 'a certificate you may revoke', actual: String(id) }]);
      if (cert.revoked_at !== null) {
        throw new AppError('CONFLICT', `Certificate ${id} was already revoked on ${iso(cert.revoked_at)}.`, [{ path: 'id', rule: 'not-revoked', expected: 'a certificate in force', actual: `revoked ${iso(cert.revoked_at)}` }]);
      }
      const now = this.now();
      await this.repo.revokeCertificate(trx, id, now);
      const keys = await this.repo.disableKeysOf(trx, id, now);
      const actor = actorOf(caller);
      await this.audit.append(trx, [
        { actor, action: 'certificate.revoked', subject: `certificate:${id}`, enterpriseId: cert.enterprise_id, at: now, detail: { fingerprint: cert.fingerprint, serial: cert.serial_hex, purpose: cert.purpose } },
        ...keys.map((k) => ({ actor, action: 'signing-key.disabled', subject: `signing-key:${k}`, enterpriseId: cert.enterprise_id, at: now, detail: { certificateId: id, reason: 'certificate revoked' } })),
      ]);
      return { ...cert, revoked_at: now };
    });
    this.invalidate(row.fingerprint);
    return this.view(row);
  }

  private async codes(ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const id of new Set(ids)) {
      const e = await this.enterprises.byId(id);
      if (e) out.set(id, e.code);
    }
    return out;
  }

  private view(r: CertificateRow, enterpriseCode?: string): CertificateView {
    const now = this.now();
    const status: CertificateView['status'] = r.revoked_at !== null ? 'revoked' : now > r.not_after ? 'expired' : now < r.not_before ? 'not-yet-valid' : 'valid';
    return {
      id: r.id,
      enterpriseId: r.enterprise_id,
      ...(enterpriseCode ? { enterpriseCode } : {}),
      purpose: r.purpose,
      fingerprint: r.fingerprint,
      serialHex: r.serial_hex,
      subject: r.subject,
      issuer: r.issuer,
      algorithm: r.algorithm,
      notBefore: iso(r.not_before)!,
      notAfter: iso(r.not_after)!,
      registeredAt: iso(r.registered_at)!,
      revokedAt: iso(r.revoked_at),
      status,
    };
  }
}

/** A certificate sent as PEM (one) or DER. */
function certificateBytes(body: Buffer): Buffer {
  const text = body.toString('latin1');
  if (text.includes('-----BEGIN')) {
    let certs: Buffer[];
    try {
      certs = pemCertificates(text, 'body');
    } catch (e) {
      throw bad('The body is not a PEM certificate.', [{ path: 'certificate', rule: 'x509', expected: 'one X.509 certificate, PEM or DER', actual: (e as Error).message }]);
    }
    if (certs.length !== 1) throw bad('Send one certificate per request.', [{ path: 'certificate', rule: 'one', expected: 'one certificate', actual: `${certs.length} certificates` }]);
    return certs[0];
  }
  return body;
}
