/**
 * Signatures at ingest, the certificate registry, signing keys held by the platform and signing
 * as a service, on every database of the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { signCeb, verifyCeb } from '../../src/ceb/dsig.ts';
import { DEMO_PARTIES, PLACEHOLDER_SIGNATURE, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { demoRsaKey, demoSign, demoSigningKey } from '../../src/demo/keys.ts';
import { createApp } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { SIGNED_BY_HEADERS } from '../../src/modules/signatures/index.ts';
import { fullCaller } from '../../src/platform/access.ts';
import { CertFactory, SANDBOX_CA } from '../support/certs.ts';
import { tempDir } from '../support/db.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; returnStatus?: string; returnInfo?: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface CertView {
  id: number;
  enterpriseId: number;
  purpose: string;
  fingerprint: string;
  serialHex: string;
  subject: string;
  status: string;
  revokedAt: string | null;
}
interface KeyView {
  id: number;
  certificateId: number;
  certificateSerial: string;
  algorithm: string;
  uses: number;
  lastUsedAt: string | null;
  disabledAt: string | null;
}

const AGENT = DEMO_PARTIES.agent;
const between = (xml: string, tag: string) => new RegExp(`<ds:${tag}>([^<]*)</ds:${tag}>`).exec(xml)![1];

/** Replaces the first occurrence of `from`, insisting it exists. */
function tamper(xml: string, from: string, to: string): string {
  const at = xml.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  return xml.slice(0, at) + to + xml.slice(at + from.length);
}

/** One character of a business value changed: a digit of the first <ceb:copNo>. */
function tamperValue(xml: string): string {
  const m = /<ceb:copNo>([^<]+)<\/ceb:copNo>/.exec(xml)!;
  const v = m[1];
  const last = v.at(-1)!;
  const changed = v.slice(0, -1) + (last === '9' ? '8' : /\d/.test(last) ? String(Number(last) + 1) : '0');
  return tamper(xml, m[0], `<ceb:copNo>${changed}</ceb:copNo>`);
}

/** One byte of the SignatureValue flipped (still valid base64 of the same length). */
function tamperSignatureValue(xml: string): string {
  const sv = between(xml, 'SignatureValue');
  const bytes = Buffer.from(sv, 'base64');
  bytes[20] ^= 0x01;
  return tamper(xml, `<ds:SignatureValue>${sv}`, `<ds:SignatureValue>${bytes.toString('base64')}`);
}

describe.each(databases())('signatures on %s', (kind) => {
  let p: Platform;
  let certs: CertFactory;
  let seed = 5000;
  const flow = () => makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
  const unsigned621 = () => wrapMessage('CEB621Message', [flow().inventory], AGENT, undefined, null);
  const messages = async () => Number((await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const submit = (body: string, role = 'agent') => p.request('POST', '/api/v1/messages', { key: p.key(role as 'agent'), body });
  const signByPlatform = (body: string, role = 'agent') => p.request('POST', '/api/v1/signatures', { key: p.key(role as 'agent'), body });
  const register = (pem: string | Buffer, role = 'agent', purpose?: string, type = 'application/x-pem-file') =>
    p.request('POST', `/api/v1/certificates${purpose ? `?purpose=${purpose}` : ''}`, { key: p.key(role as 'agent'), body: pem, type });
  const auditOf = async (action: string) =>
    (await p.app.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute()).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));

  /** Submits `xml` and expects a refusal with `status` and customs' `returnStatus`; nothing is stored. */
  async function refused(xml: string, status: number, returnStatus: string, role = 'agent'): Promise<ErrorBody['error']> {
    const before = await messages();
    const res = await submit(xml, role);
    expect(res.status, res.text).toBe(status);
    const err = (res.json() as ErrorBody).error;
    expect(err.returnStatus).toBe(returnStatus);
    expect(err.returnInfo?.length).toBeGreaterThan(2);
    expect(err.message.length).toBeGreaterThan(10);
    expect(await messages()).toBe(before);
    return err;
  }

  beforeAll(async () => {
    certs = new CertFactory();
    p = await startPlatform(kind);
  });
  afterAll(async () => {
    await p?.close();
    certs?.remove();
  });

  describe('the demo zone', () => {
    it('registers the declaring enterprises\' sandbox certificates and holds their keys', async () => {
      const listed = (await p.request('GET', '/api/v1/certificates', { key: p.key('agent') })).json() as CertView[];
      const agentCert = demoSigningKey(AGENT.code)!.certificateDer;
      expect(listed.map((c) => c.fingerprint)).toContain(createHash('sha256').update(agentCert).digest('hex'));
      expect(listed.every((c) => c.purpose === 'signing' && c.status === 'valid')).toBe(true);
      const keys = (await p.request('GET', '/api/v1/signing-keys', { key: p.key('agent') })).json() as KeyView[];
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ algorithm: 'sm2-sm3', disabledAt: null });
      // The operator sees every enterprise's certificates.
      const all = (await p.request('GET', '/api/v1/certificates', { key: p.key('operator') })).json() as CertView[];
      expect(new Set(all.map((c) => c.enterpriseId)).size).toBeGreaterThanOrEqual(7);
    });

    it('generated the key-encryption key into the data directory, readable by the owner only', () => {
      const stat = fs.statSync(path.join(p.dataDir, 'key-encryption.key'));
      expect(stat.mode & 0o777).toBe(0o600);
    });

    it('keeps private keys encrypted: no key text in the rows', async () => {
      const rows = await p.app.db.kysely.selectFrom('signing_keys').selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(7);
      const pem = demoSigningKey(AGENT.code)!.privateKeyPem;
      const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      const raw = Buffer.from(body, 'base64');
      for (const r of rows) {
        const all = Buffer.concat([Buffer.from(r.key_ciphertext), Buffer.from(JSON.stringify({ ...r, key_ciphertext: null, key_iv: null, key_tag: null }))]);
        expect(all.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
        expect(all.includes(Buffer.from(body.slice(0, 32)))).toBe(false);
        expect(Buffer.from(r.key_ciphertext).includes(raw.subarray(-32))).toBe(false);
      }
    });
  });

  describe('signing as a service', () => {
    it('signs an unsigned CEB621 with the agent\'s key; the signed message verifies and is accepted (202)', async () => {
      const unsigned = unsigned621();
      const res = await signByPlatform(unsigned);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      const signed = res.text;
      const v = verifyCeb(signed);
      expect(v).toMatchObject({ ok: true, algorithm: 'sm2-sm3' });
      expect(res.headers.get(SIGNED_BY_HEADERS.serial)).toBe(v.certificate!.serialHex);
      expect(res.headers.get(SIGNED_BY_HEADERS.fingerprint)).toBe(v.certificate!.fingerprintSha256);
      expect(between(signed, 'KeyName')).toBe(v.certificate!.serialHex);
      // Only the signature (and the xsi declaration it needs) were added.
      expect(signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', '')).toBe(unsigned);

      const sent = await submit(signed);
      expect(sent.status, sent.text).toBe(202);
      const { id } = sent.json() as { id: number };
      expect((await p.request('GET', `/api/v1/messages/${id}/raw`, { key: p.key('agent') })).text).toBe(signed);

      const keys = (await p.request('GET', '/api/v1/signing-keys', { key: p.key('agent') })).json() as KeyView[];
      expect(keys[0].uses).toBeGreaterThanOrEqual(1);
      expect(keys[0].lastUsedAt).not.toBeNull();
      const used = (await auditOf('signature.used')).find((e) => e.detail.sha256 === createHash('sha256').update(signed).digest('hex'));
      expect(used).toMatchObject({ actor: `enterprise:${AGENT.code}`, detail: { messageType: 'CEB621Message', certificateSerial: v.certificate!.serialHex } });
      expect(used!.detail.guid).toBe(/guid="([^"]+)"/.exec(unsigned)?.[1] ?? used!.detail.guid);
    });

    it('signs a message whose signature is optional (CEB311) too', async () => {
      const res = await signByPlatform(wrapMessage('CEB311Message', [flow().order], DEMO_PARTIES.ebp), 'ebp');
      expect(res.status, res.text).toBe(200);
      expect(verifyCeb(res.text).ok).toBe(true);
      expect((await submit(res.text, 'ebp')).status).toBe(202);
    });

    it('refuses a signed message, another enterprise\'s message, a non-declaration and a caller without a key', async () => {
      const signed = wrapMessage('CEB621Message', [flow().inventory], AGENT);
      const again = await signByPlatform(signed);
      expect(again.status).toBe(400);
      expect((again.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ rule: 'unsigned' }));

      const foreign = await signByPlatform(unsigned621(), 'ebp');
      expect(foreign.status).toBe(403);
      expect((foreign.json() as ErrorBody).error).toMatchObject({ code: 'SENDER_MISMATCH' });

      const broken = await signByPlatform(unsigned621().replace(/<ceb:copNo>[^<]*/, `<ceb:copNo>${'9'.repeat(40)}`));
      expect(broken.status).toBe(400);
      expect((broken.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ rule: 'maxLength' }));

      const receipt = await signByPlatform('<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>');
      expect(receipt.status).toBe(400);

      const bank = await signByPlatform(unsigned621(), 'bank');
      expect([403, 404]).toContain(bank.status);
      const uses = await auditOf('signature.used');
      expect(uses.every((u) => u.enterprise_id !== null)).toBe(true);
    });
  });

  describe('verification at ingest', () => {
    it('refuses a CEB621 whose business data changed after signing (-621028, digest mismatch)', async () => {
      const signed = (await signByPlatform(unsigned621())).text;
      const err = await refused(tamperValue(signed), 403, '-621028');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'digest' }));
    });

    it('refuses a CEB621 whose SignatureValue changed (-621029)', async () => {
      const signed = (await signByPlatform(unsigned621())).text;
      const err = await refused(tamperSignatureValue(signed), 403, '-621029');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'signature' }));
    });

    it('uses the exchange platform\'s security codes for other message types (1004, 1001)', async () => {
      const signed = demoSign(wrapMessage('CEB311Message', [flow().order], DEMO_PARTIES.ebp), DEMO_PARTIES.ebp.code);
      expect((await submit(signed, 'ebp')).status).toBe(202);
      const other = demoSign(wrapMessage('CEB311Message', [flow().order], DEMO_PARTIES.ebp), DEMO_PARTIES.ebp.code);
      await refused(tamper(other, '<ceb:orderNo>', '<ceb:orderNo>X'), 403, '1004', 'ebp');
      await refused(tamperSignatureValue(other), 403, '1001', 'ebp');
    });

    it('refuses the placeholder signature of the official samples as malformed (400)', async () => {
      const err = await refused(wrapMessage('CEB621Message', [flow().inventory], AGENT, undefined, PLACEHOLDER_SIGNATURE), 400, '-621029');
      expect(err.code).toBe('INVALID_MESSAGE');
    });

    it('accepts an RSA-SHA1 signature by a registered certificate (the legacy path)', async () => {
      const rsa = demoRsaKey();
      const xml = signCeb(unsigned621(), rsa);
      // Not registered yet: a valid signature by an unregistered certificate is refused.
      const err = await refused(xml, 403, '-621029');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'registered', actual: expect.stringContaining('not registered') }));
      const reg = await register(rsa.certificateDer, 'agent', 'signing', 'application/pkix-cert');
      expect(reg.status, reg.text).toBe(201);
      expect(reg.json()).toMatchObject({ algorithm: 'rsa', purpose: 'signing', status: 'valid' });
      const ok = await submit(xml);
      expect(ok.status, ok.text).toBe(202);
      expect(verifyCeb(xml).algorithm).toBe('rsa-sha1');
    });

    it('refuses a valid signature by a certificate registered to another enterprise', async () => {
      const ebpKey = demoSigningKey(DEMO_PARTIES.ebp.code)!;
      const err = await refused(signCeb(unsigned621(), ebpKey), 403, '-621029');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'registered', actual: expect.stringContaining('another enterprise') }));
    });

    it('refuses a signature by a revoked certificate (and the cache does not hide the revocation)', async () => {
      const c = certs.issue(`/C=CN/O=${AGENT.name}/CN=${AGENT.code}`);
      const reg = await register(c.certPem);
      expect(reg.status, reg.text).toBe(201);
      const { id } = reg.json() as CertView;
      const key = { algorithm: 'sm2-sm3' as const, privateKeyPem: c.keyPem, certificateDer: c.der };
      expect((await submit(signCeb(unsigned621(), key))).status).toBe(202);

      expect((await p.request('DELETE', `/api/v1/certificates/${id}`, { key: p.key('ebp') })).status).toBe(404);
      const del = await p.request('DELETE', `/api/v1/certificates/${id}`, { key: p.key('agent') });
      expect(del.status, del.text).toBe(200);
      expect(del.json()).toMatchObject({ status: 'revoked' });
      const err = await refused(signCeb(unsigned621(), key), 403, '-621029');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'revoked' }));
      expect((await p.request('DELETE', `/api/v1/certificates/${id}`, { key: p.key('agent') })).status).toBe(409);
      const revoked = await auditOf('certificate.revoked');
      expect(revoked.at(-1)).toMatchObject({ actor: `enterprise:${AGENT.code}`, subject: `certificate:${id}` });
    });

    it('checks a signature inside a DxpMsg envelope too', async () => {
      const { buildDxpMsg } = await import('../../src/ceb/index.ts');
      const signed = (await signByPlatform(unsigned621())).text;
      const env = (xml: string) => buildDxpMsg({ copMsgId: `e-${seed++}`, senderId: AGENT.dxpId, receiverId: 'DXPEDCCEB0000002', msgType: 'CEB621Message', data: Buffer.from(xml) });
      await refused(env(tamperValue(signed)), 403, '-621028');
      expect((await submit(env(signed))).status).toBe(202);
    });
  });

  describe('the certificate registry', () => {
    it('refuses certificates not issued by a trust anchor, not valid, or not naming the enterprise', async () => {
      const subject = `/C=CN/O=${AGENT.name}/CN=${AGENT.code}`;
      const self = await register(certs.issue(subject, { self: true }).certPem);
      expect(self.status).toBe(400);
      expect((self.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ path: 'certificate.issuer', rule: 'trust-anchor' }));

      // A look-alike CA with the sandbox CA's very name: the issuer name matches, the CA signature does not.
      const fake = certs.ca('/C=CN/O=Silkgate/CN=Silkgate 沙箱证书中心 (sandbox only)');
      const forged = await register(certs.issue(subject, { ca: fake }).certPem);
      expect(forged.status).toBe(400);
      expect((forged.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ rule: 'trust-anchor' }));

      const other = await register(certs.issue(`/C=CN/O=${DEMO_PARTIES.ebp.name}/CN=${DEMO_PARTIES.ebp.code}`).certPem);
      expect(other.status).toBe(403);
      expect((other.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ rule: 'subject' }));

      const garbage = await register('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      expect(garbage.status).toBe(400);
      const der = await register(Buffer.from('not a certificate'), 'agent', undefined, 'application/pkix-cert');
      expect(der.status).toBe(400);
    });

    it('answers 409 for a certificate registered already, and regulators register nothing', async () => {
      const c = certs.issue(`/C=CN/O=${AGENT.name}/CN=${AGENT.code}`);
      expect((await register(c.certPem)).status).toBe(201);
      const dup = await register(c.der, 'agent', 'signing', 'application/pkix-cert');
      expect(dup.status).toBe(409);
      const customs = await register(certs.issue('/C=CN/O=中华人民共和国杭州海关/CN=2900000001').certPem, 'customs');
      expect(customs.status).toBe(403);
      const registered = await auditOf('certificate.registered');
      expect(registered.find((e) => e.detail.fingerprint === c.fingerprint)).toMatchObject({ actor: `enterprise:${AGENT.code}`, detail: { purpose: 'signing', serial: expect.any(String) } });
    });

    it('refuses a signing certificate used for client authentication (purpose)', async () => {
      const c = certs.issue(`/C=CN/O=${AGENT.name}/CN=${AGENT.code}`);
      expect((await register(c.certPem, 'agent', 'client')).status).toBe(201);
      const err = await refused(signCeb(unsigned621(), { algorithm: 'sm2-sm3', privateKeyPem: c.keyPem, certificateDer: c.der }), 403, '-621029');
      expect(err.issues).toContainEqual(expect.objectContaining({ rule: 'purpose' }));
    });
  });

  describe('signing keys held by the platform', () => {
    it('stores an uploaded key encrypted, registers its certificate, signs with it, and disables it', async () => {
      const ebc = DEMO_PARTIES.ebc;
      const c = certs.issue(`/C=CN/O=${ebc.name}/CN=${ebc.code}`);
      const mismatch = certs.issue(`/C=CN/O=${ebc.name}/CN=${ebc.code}`);
      const bad = await p.request('POST', '/api/v1/signing-keys', { key: p.key('ebc'), type: 'application/json', body: JSON.stringify({ privateKeyPem: mismatch.keyPem, certificatePem: c.certPem }) });
      expect(bad.status).toBe(400);
      expect((bad.json() as ErrorBody).error.issues).toContainEqual(expect.objectContaining({ rule: 'key-pair' }));

      // The ebc's demo key is held already; disable it so the new one signs.
      const held = (await p.request('GET', '/api/v1/signing-keys', { key: p.key('ebc') })).json() as KeyView[];
      for (const k of held) expect((await p.request('DELETE', `/api/v1/signing-keys/${k.id}`, { key: p.key('ebc') })).status).toBe(200);

      const res = await p.request('POST', '/api/v1/signing-keys', { key: p.key('ebc'), type: 'application/json', body: JSON.stringify({ privateKeyPem: c.keyPem, certificatePem: c.certPem }) });
      expect(res.status, res.text).toBe(201);
      const key = res.json() as KeyView;
      expect(key).toMatchObject({ algorithm: 'sm2-sm3', uses: 0, disabledAt: null });
      expect(JSON.stringify(key)).not.toContain('PRIVATE');
      const again = await p.request('POST', '/api/v1/signing-keys', { key: p.key('ebc'), type: 'application/json', body: JSON.stringify({ privateKeyPem: c.keyPem, certificatePem: c.certPem }) });
      expect(again.status).toBe(409);

      const row = await p.app.db.kysely.selectFrom('signing_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
      const keyBody = c.keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      expect(Buffer.from(row.key_ciphertext).toString('latin1')).not.toContain(keyBody.slice(0, 24));
      expect(Buffer.from(row.key_ciphertext).includes(Buffer.from(keyBody, 'base64').subarray(-32))).toBe(false);
      expect(Buffer.from(row.key_iv)).toHaveLength(12);
      expect(Buffer.from(row.key_tag)).toHaveLength(16);

      const certsOfEbc = (await p.request('GET', '/api/v1/certificates', { key: p.key('ebc') })).json() as CertView[];
      expect(certsOfEbc.map((x) => x.fingerprint)).toContain(c.fingerprint);

      // Signing checks only that the message is the caller's (copCode); what it may send is ingest's rule.
      const signed = await signByPlatform(wrapMessage('CEB311Message', [flow().order], ebc), 'ebc');
      expect(signed.status, signed.text).toBe(200);
      expect(verifyCeb(signed.text).certificate?.fingerprintSha256).toBe(c.fingerprint);
      const stored = await auditOf('signing-key.stored');
      expect(stored.at(-1)).toMatchObject({ actor: `enterprise:${ebc.code}`, subject: `signing-key:${key.id}` });
      expect(JSON.stringify(stored)).not.toContain('PRIVATE KEY');

      const off = await p.request('DELETE', `/api/v1/signing-keys/${key.id}`, { key: p.key('ebc') });
      expect(off.status).toBe(200);
      expect((off.json() as KeyView).disabledAt).not.toBeNull();
      const erased = await p.app.db.kysely.selectFrom('signing_keys').select('key_ciphertext').where('id', '=', key.id).executeTakeFirstOrThrow();
      expect(Buffer.from(erased.key_ciphertext)).toHaveLength(0);
      const none = await signByPlatform(wrapMessage('CEB311Message', [flow().order], ebc), 'ebc');
      expect(none.status).toBe(404);
    });
  });
});

describe('configuration', () => {
  it('refuses a malformed key-encryption key with a ConfigError that does not echo it', () => {
    expect(() => loadConfig({ SILKGATE_KEY_ENCRYPTION_KEY: 'secret-but-short' })).toThrow(ConfigError);
    try {
      loadConfig({ SILKGATE_KEY_ENCRYPTION_KEY: 'secret-but-short' });
    } catch (e) {
      expect((e as Error).message).toContain('SILKGATE_KEY_ENCRYPTION_KEY');
      expect((e as Error).message).not.toContain('secret-but-short');
    }
    expect(loadConfig({ SILKGATE_KEY_ENCRYPTION_KEY: 'ab'.repeat(32) }).signatures.keyEncryptionKey).toHaveLength(32);
    expect(loadConfig({ SILKGATE_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).signatures.keyEncryptionKey).toEqual(Buffer.alloc(32, 7));
    expect(() => loadConfig({ SILKGATE_TLS_CERT: '/x.pem' })).toThrow(/SILKGATE_TLS_KEY/);
  });

  it('without a key-encryption key outside demo mode, the platform holds no keys and says why (503)', async () => {
    const dir = tempDir();
    const app = await createApp(loadConfig({ SILKGATE_DATA_DIR: dir.path, SILKGATE_DEMO: 'off', SILKGATE_LOG_LEVEL: 'error', SILKGATE_CPU_THREADS: '0', SILKGATE_TRUSTED_CA_FILE: SANDBOX_CA.cert }));
    try {
      const { enterprise } = await app.enterprises.create({ code: AGENT.code, name: AGENT.name, dxpId: AGENT.dxpId, roles: ['agent'] });
      const caller = fullCaller(enterprise);
      const refusal = await app.signatures.sign(caller, Buffer.from('<x/>')).catch((e: unknown) => e);
      expect(refusal).toMatchObject({ status: 503, message: expect.stringContaining('SILKGATE_KEY_ENCRYPTION_KEY') });
      expect(fs.existsSync(path.join(dir.path, 'key-encryption.key'))).toBe(false);
      // Certificates still register against the configured trust anchor (the sandbox CA file here).
      const demoCert = demoSigningKey(AGENT.code)!.certificateDer;
      const view = await app.signatures.register(caller, demoCert, 'signing');
      expect(view.status).toBe('valid');
    } finally {
      await app.close();
      dir.cleanup();
    }
  });
});
