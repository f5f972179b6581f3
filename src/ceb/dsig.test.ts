import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir, validateWithXsd } from '../../test/support/xmllint.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../demo/flows.ts';
import { canonicalSignedInfo, checkSignature, signCeb, verifyCeb, type SigningKey } from './dsig.ts';
import { MESSAGES, buildDocument, parseDocument } from './index.ts';
import { DEMO_EXPORT_PARTIES, makeExportFlow } from '../demo/export.ts';

const SAMPLE_621 = path.join(sharedDir(), 'ceb', 'samples', 'import', 'CEB621Message.xml');
const SIGNED_INFO_START =
  '<ds:SignedInfo xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">';

let dir: string;
let sm2Key: SigningKey;
let rsaKey: SigningKey;
let sm2SerialHex: string;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silkgate-dsig-'));
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'k.pem');
  openssl('req', '-new', '-x509', '-key', 'k.pem', '-sm3', '-sigopt', 'distid:1234567812345678', '-utf8',
    '-subj', '/CN=Silkgate test/O=杭州关通报关代理有限公司', '-days', '365', '-out', 'c.pem');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rk.pem');
  openssl('req', '-new', '-x509', '-key', 'rk.pem', '-sha256', '-utf8', '-subj', '/CN=Silkgate RSA test', '-days', '365', '-out', 'rc.pem');
  const der = (pem: string) => openssl('x509', '-in', pem, '-outform', 'DER');
  sm2Key = { algorithm: 'sm2-sm3', privateKeyPem: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'), certificateDer: der('c.pem') };
  rsaKey = { algorithm: 'rsa-sha1', privateKeyPem: fs.readFileSync(path.join(dir, 'rk.pem'), 'utf8'), certificateDer: der('rc.pem') };
  sm2SerialHex = /serial=([0-9A-F]+)/i.exec(openssl('x509', '-in', 'c.pem', '-noout', '-serial').toString())![1].toLowerCase();
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 7, now: new Date('2025-03-01T08:00:00Z') });
const unsigned621 = wrapMessage('CEB621Message', [flow.inventory], DEMO_PARTIES.agent, undefined, null);

/** Replaces the first occurrence of `from`, insisting it exists. */
function tamper(xml: string, from: string, to: string): string {
  const at = xml.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  return xml.slice(0, at) + to + xml.slice(at + from.length);
}

const between = (xml: string, tag: string) => new RegExp(`<ds:${tag}>([^<]*)</ds:${tag}>`).exec(xml)![1];

describe('SM2-SM3', () => {
  it('signs a CEB621 so that it verifies', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const v = verifyCeb(signed);
    expect(v).toMatchObject({ ok: true, algorithm: 'sm2-sm3' });
    expect(v.certificate?.serialHex).toBe(sm2SerialHex);
    expect(v.certificate?.subject).toContain('杭州关通报关代理有限公司');
    expect(v.certificate?.fingerprintSha256).toBe(createHash('sha256').update(sm2Key.certificateDer).digest('hex'));
    expect(v.certificate?.notAfter.getTime()).toBeGreaterThan(v.certificate!.notBefore.getTime());
    expect(verifyCeb(Buffer.from(signed)).ok).toBe(true);
  });

  it('appends the Signature as the last child of the root and declares xsi on the root', () => {
    const signed = signCeb(unsigned621, sm2Key);
    expect(signed).toMatch(/<\/ceb:BaseTransfer>\n<ds:Signature xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#"><ds:SignedInfo>/);
    expect(signed).toMatch(/<\/ds:Signature><\/ceb:CEB621Message>\n?$/);
    expect(signed).toMatch(/^<\?xml[^>]*\?>\n<ceb:CEB621Message xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance" xmlns:ceb=/);
    // Everything else is untouched.
    const withoutSig = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', '');
    expect(withoutSig).toBe(unsigned621);
  });

  it('puts the Signature of an export message before its ExtendMessage, where the export XSD wants it', () => {
    const f = makeExportFlow(DEMO_EXPORT_PARTIES, { mode: '9710', seed: 3 });
    const body = {
      guid: (f.inventory.InventoryHead as Record<string, string>).guid,
      version: '1.0',
      Inventory: [f.inventory],
      BaseTransfer: { copCode: DEMO_PARTIES.agent.code, copName: DEMO_PARTIES.agent.name, dxpMode: 'DXP', dxpId: DEMO_PARTIES.agent.dxpId },
      // Message is an element of any content; the JSON form carries it as its XML.
      ExtendMessage: { name: 'order-ref', version: '1.0', Message: '<ceb:Message><ref xmlns="urn:example:shop">EX-1 &amp; EX-2</ref></ceb:Message>' },
    };
    const xml = buildDocument(MESSAGES.CEB603Message, body, { prefix: 'ceb' });
    const signed = signCeb(xml, sm2Key);
    expect(signed.indexOf('</ds:Signature>')).toBeLessThan(signed.indexOf('<ceb:ExtendMessage'));
    const v = validateWithXsd(signed, 'export');
    expect(v.ok, v.errors).toBe(true);
    expect(verifyCeb(signed).ok).toBe(true);
    expect(checkSignature(Buffer.from(signed)).ok).toBe(true);
  });

  it('produces KeyName = serial in lower-case hex, a 64-byte r‖s value and a 32-byte SM3 digest', () => {
    const signed = signCeb(unsigned621, sm2Key);
    expect(between(signed, 'KeyName')).toBe(sm2SerialHex);
    expect(Buffer.from(between(signed, 'X509Certificate'), 'base64').equals(sm2Key.certificateDer)).toBe(true);
    expect(between(signed, 'SignatureValue')).toHaveLength(88);
    expect(Buffer.from(between(signed, 'SignatureValue'), 'base64')).toHaveLength(64);
    expect(between(signed, 'DigestValue')).toHaveLength(44);
  });

  it('canonicalizes SignedInfo in context (signatures.md step 4)', () => {
    const signed = signCeb(unsigned621, sm2Key);
    expect(canonicalSignedInfo(signed).startsWith(SIGNED_INFO_START)).toBe(true);
  });

  it('still parses and validates (project parser and official XSD)', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const r = parseDocument(Buffer.from(signed));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.ok).toBe(true);
    const x = validateWithXsd(signed, 'import');
    expect(x.errors).toBe('- validates\n');
    expect(x.ok).toBe(true);
  });

  it('fails with "digest mismatch" when one digit of a signed field changes', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const no = flow.orderNo;
    const last = no.at(-1)!;
    const changed = no.slice(0, -1) + (last === '9' ? '8' : String(Number(last) + 1));
    const v = verifyCeb(tamper(signed, `<ceb:orderNo>${no}</ceb:orderNo>`, `<ceb:orderNo>${changed}</ceb:orderNo>`));
    expect(v).toMatchObject({ ok: false, reason: 'digest mismatch', algorithm: 'sm2-sm3' });
    expect(v.certificate?.serialHex).toBe(sm2SerialHex);
  });

  it('fails with "signature value does not verify" when the SignatureValue changes', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const sv = between(signed, 'SignatureValue');
    const bytes = Buffer.from(sv, 'base64');
    bytes[10] ^= 0x01;
    const v = verifyCeb(tamper(signed, sv, bytes.toString('base64')));
    expect(v).toMatchObject({ ok: false, reason: 'signature value does not verify' });
  });

  it('fails when SignedInfo is changed (e.g. the digest value of another document)', () => {
    const a = signCeb(unsigned621, sm2Key);
    const other = signCeb(wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '1210', seed: 8 }).inventory], DEMO_PARTIES.agent, undefined, null), sm2Key);
    // Transplant a's SignatureValue onto other: digest matches, signature must not.
    const v = verifyCeb(tamper(other, between(other, 'SignatureValue'), between(a, 'SignatureValue')));
    expect(v).toMatchObject({ ok: false, reason: 'signature value does not verify' });
  });

  it('accepts a DER-encoded SM2 signature value', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const raw = Buffer.from(between(signed, 'SignatureValue'), 'base64');
    const int = (b: Buffer) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b.subarray(i);
      const body = v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
      return Buffer.concat([Buffer.from([0x02, body.length]), body]);
    };
    const seq = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
    const der = Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
    expect(verifyCeb(tamper(signed, between(signed, 'SignatureValue'), der.toString('base64'))).ok).toBe(true);
  });

  it('accepts the de-facto variant (SignatureMethod xmldsig#sm2-sm3 with a SHA-1 digest)', () => {
    // Made by hand: SHA-1 digest of the same canonical document, SM2 (default ID) over the new SignedInfo.
    const signed = signCeb(unsigned621, sm2Key);
    const stripped = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    const sha1 = createHash('sha1').update(execFileSync('xmllint', ['--c14n', '-'], { input: stripped })).digest('base64');
    let variant = tamper(signed, 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3', 'http://www.w3.org/2000/09/xmldsig#sm2-sm3');
    variant = tamper(variant, 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3', 'http://www.w3.org/2000/09/xmldsig#sha1');
    variant = tamper(variant, between(variant, 'DigestValue'), sha1);
    const pkcs8 = createPrivateKey(sm2Key.privateKeyPem).export({ type: 'pkcs8', format: 'der' }).toString('hex');
    const d = /0201010420([0-9a-f]{64})/.exec(pkcs8)![1];
    const sig = sm2.doSignature(Buffer.from(canonicalSignedInfo(variant), 'utf8'), d, { hash: true, der: false, userId: '1234567812345678' });
    variant = tamper(variant, between(variant, 'SignatureValue'), Buffer.from(sig, 'hex').toString('base64'));
    expect(verifyCeb(variant)).toMatchObject({ ok: true, algorithm: 'sm2-sha1-variant' });
    // The same with a wrong user ID (empty Z) does not verify.
    const wrong = sm2.doSignature(Buffer.from(canonicalSignedInfo(variant), 'utf8'), d, { hash: true, der: false, userId: '' });
    const bad = tamper(variant, between(variant, 'SignatureValue'), Buffer.from(wrong, 'hex').toString('base64'));
    expect(verifyCeb(bad)).toMatchObject({ ok: false, reason: 'signature value does not verify' });
  });

  it('is interoperable: OpenSSL verifies the signature and xmllint reproduces the digest', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const si = canonicalSignedInfo(signed);
    const raw = Buffer.from(between(signed, 'SignatureValue'), 'base64');
    const int = (b: Buffer) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b.subarray(i);
      const body = v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
      return Buffer.concat([Buffer.from([0x02, body.length]), body]);
    };
    const seq = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
    fs.writeFileSync(path.join(dir, 'si.xml'), si);
    fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.concat([Buffer.from([0x30, seq.length]), seq]));
    openssl('x509', '-in', 'c.pem', '-pubkey', '-noout', '-out', 'pub.pem');
    const out = openssl('pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3',
      '-pkeyopt', 'distid:1234567812345678', '-in', 'si.xml', '-sigfile', 'sig.der').toString();
    expect(out).toContain('Signature Verified Successfully');

    // Digest: C14N (libxml2) of the document without its Signature, hashed with SM3.
    const stripped = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    const c14n = execFileSync('xmllint', ['--c14n', '-'], { input: stripped });
    expect(createHash('sm3').update(c14n).digest('base64')).toBe(between(signed, 'DigestValue'));
  });
});

describe('RSA-SHA1 (legacy)', () => {
  it('signs so that it verifies, and a tampered message fails', () => {
    const signed = signCeb(unsigned621, rsaKey);
    expect(signed).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1">');
    expect(signed).toContain('<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">');
    expect(verifyCeb(signed)).toMatchObject({ ok: true, algorithm: 'rsa-sha1' });
    expect(verifyCeb(tamper(signed, '<ceb:appType>1<', '<ceb:appType>2<'))).toMatchObject({ ok: false, reason: 'digest mismatch' });
    const sv = between(signed, 'SignatureValue');
    const bytes = Buffer.from(sv, 'base64');
    bytes[0] ^= 0x40;
    expect(verifyCeb(tamper(signed, sv, bytes.toString('base64')))).toMatchObject({ ok: false, reason: 'signature value does not verify' });
    expect(validateWithXsd(signed, 'import').ok).toBe(true);
  });
});

describe('refusals', () => {
  it('the official sample (placeholder signature) fails', () => {
    const v = verifyCeb(fs.readFileSync(SAMPLE_621));
    expect(v.ok).toBe(false);
    expect(v.reason).toBe('digest mismatch');
    expect(v.certificate?.issuer).toContain('中国电子口岸');
  });

  it('an unsigned message fails with "no signature"', () => {
    expect(verifyCeb(unsigned621)).toEqual({ ok: false, reason: 'no signature' });
  });

  it('an unknown algorithm is named', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const v = verifyCeb(tamper(signed, 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3', 'urn:x-unknown'));
    expect(v).toMatchObject({ ok: false, reason: 'unsupported algorithm urn:x-unknown' });
  });

  it('refuses to sign twice, a DOCTYPE, a root without xmlns:ceb, a mismatched key', () => {
    const signed = signCeb(unsigned621, sm2Key);
    expect(() => signCeb(signed, sm2Key)).toThrow(/already contains a ds:Signature/);
    const doctype = unsigned621.replace('<ceb:CEB621Message', '<!DOCTYPE x [<!ENTITY a "b">]>\n<ceb:CEB621Message');
    expect(() => signCeb(doctype, sm2Key)).toThrow(/DOCTYPE/);
    expect(verifyCeb(signed.replace('<ceb:CEB621Message', '<!DOCTYPE x>\n<ceb:CEB621Message'))).toMatchObject({ ok: false, reason: 'DOCTYPE not allowed' });
    expect(() => signCeb('<CEB621Message xmlns="http://www.chinaport.gov.cn/ceb"/>', sm2Key)).toThrow(/xmlns:ceb/);
    expect(() => signCeb(unsigned621, { ...sm2Key, certificateDer: rsaKey.certificateDer })).toThrow(/SM2 public key/);
    expect(() => signCeb(unsigned621, { ...rsaKey, privateKeyPem: sm2Key.privateKeyPem })).toThrow(/RSA private key/);
  });

  it('keeps an existing xsi declaration and signs without adding another', () => {
    const withXsi = unsigned621.replace('<ceb:CEB621Message ', '<ceb:CEB621Message xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ');
    const signed = signCeb(withXsi, sm2Key);
    expect(signed.match(/xmlns:xsi=/g)).toHaveLength(1);
    expect(verifyCeb(signed).ok).toBe(true);
  });

  it('refuses at once a root end tag quoted in a trailing comment (no runaway pattern match)', () => {
    // Without a linear trailer pattern, the whitespace run below takes 2^64 steps to refuse.
    const quoted = `${unsigned621.trimEnd()}\n<!-- </ceb:CEB621Message>${' '.repeat(64)}x -->\n`;
    expect(() => signCeb(quoted, sm2Key)).toThrow(/cannot locate the root end tag/);
    const commented = `${unsigned621.trimEnd()}\n<!-- sent by the agent -->${' '.repeat(64)}<?pi ok?>\n`;
    expect(verifyCeb(signCeb(commented, sm2Key)).ok).toBe(true);
  });

  it('a certificate whose SM2 point lies off the curve is a failed signature, not an exception', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const der = Buffer.from(sm2Key.certificateDer);
    // The subjectPublicKey BIT STRING (03 42 00 04 x y) after the SM2 curve OID: x and y overwritten.
    const at = der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]), der.indexOf(Buffer.from('2a811ccf5501822d', 'hex')));
    expect(at).toBeGreaterThan(0);
    der.fill(0x11, at + 4, at + 68);
    const forged = tamper(signed, between(signed, 'X509Certificate'), der.toString('base64'));
    expect(verifyCeb(forged)).toMatchObject({ ok: false, reason: 'signature value does not verify' });
    expect(checkSignature(Buffer.from(forged))).toMatchObject({ present: true, ok: false, failure: 'signature' });
  });

  it('a mismatched end tag is not well-formed', () => {
    const signed = signCeb(unsigned621, sm2Key);
    const v = verifyCeb(tamper(signed, '</ceb:copName>', '</ceb:copNam>'));
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(/^not well-formed/);
  });
});

describe('timings (reported, not asserted)', () => {
  it('measures sign and verify', () => {
    const n = 300;
    const time = (label: string, f: () => void, iterations: number) => {
      f();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) f();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / iterations;
      console.log(`[dsig timing] ${label}: ${ms.toFixed(2)} ms/op over ${iterations} (${unsigned621.length} chars)`);
    };
    const sm2Signed = signCeb(unsigned621, sm2Key);
    const rsaSigned = signCeb(unsigned621, rsaKey);
    time('sign sm2-sm3', () => signCeb(unsigned621, sm2Key), n);
    time('verify sm2-sm3', () => verifyCeb(sm2Signed), n);
    time('sign rsa-sha1', () => signCeb(unsigned621, rsaKey), n);
    time('verify rsa-sha1', () => verifyCeb(rsaSigned), n);
  });
});
