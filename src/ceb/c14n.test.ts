/**
 * The streaming canonicalizer against the references: libxml2 (`xmllint --c14n`) for the
 * document, the DOM path for SignedInfo, and the DOM verifier for every verdict.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../test/support/xmllint.ts';
import { DEMO_PARTIES, makeFlows, wrapMessage } from '../demo/flows.ts';
import { arrivalList } from '../demo/arrival.ts';
import { demoRsaKey, demoSign } from '../demo/keys.ts';
import { envelopedParts } from './c14n.ts';
import { canonicalSignedInfo, signCeb, verifyCeb, verifyCebDom, verifyStreaming } from './dsig.ts';
import { decodeXml } from './decode.ts';

const SIGNATURE = /<ds:Signature[\s\S]*<\/ds:Signature>/;
/** libxml2's C14N 1.0; it keeps comments, so they are taken out first (none sits in a value here). */
const xmllintC14n = (xml: string) => execFileSync('xmllint', ['--c14n', '-'], { input: xml.replace(/<!--[\s\S]*?-->/g, '') }).toString('utf8');

const CEB = 'xmlns:ceb="http://www.chinaport.gov.cn/ceb"';
/** Documents that exercise the canonical form: escaping, namespaces, attribute order, CDATA, comments, CRLF. */
const TRICKY = [
  `<ceb:R ${CEB} b="2" a="x&amp;y&lt;z&quot;w&gt;" c="tab&#9;nl&#10;cr&#13;end"><ceb:t>a &amp; b &lt; c &gt; d &#13; e ]]&gt;</ceb:t></ceb:R>`,
  `<?xml version="1.0" encoding="UTF-8"?>\n<!-- before -->\n<ceb:R ${CEB}>\r\n  <x:y xmlns:x="urn:x" x:z="1" z="2" ${CEB}/>\r\n  <d xmlns="urn:d"><e xmlns=""><f xmlns="urn:d"/></e><g/></d><!-- inside -->text<![CDATA[<cdata & "q" ]]>\r\n</ceb:R>\n<!-- after -->\n`,
  `<ceb:R ${CEB} xmlns="urn:default" xmlns:b="urn:a" xmlns:a="urn:b"><e b:x="1" a:y="2" z="3" a:a="4"/><p:q xmlns:p="urn:p"><p:r xmlns:p="urn:p2" p:s="t"/></p:q></ceb:R>`,
  `<ceb:R ${CEB}><ceb:n>杭州关通报关代理有限公司 — 海淘 ✓ 𝄞</ceb:n><ceb:e></ceb:e><ceb:f/>  </ceb:R>`,
  // xsi declared by the document itself (signCeb adds it otherwise), before ceb.
  `<ceb:R xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${CEB}><ceb:v xsi:nil="true"/></ceb:R>`,
];

function corpus(): Array<{ name: string; xml: string }> {
  const out: Array<{ name: string; xml: string }> = [];
  const P = DEMO_PARTIES;
  const flows = makeFlows(P, 3, { mode: '9610', seed: 21, now: new Date('2025-04-01T00:00:00Z') });
  for (const [i, f] of flows.entries()) {
    out.push({ name: `621 #${i}`, xml: wrapMessage('CEB621Message', [f.inventory], P.agent) });
    out.push({ name: `311 #${i}`, xml: demoSign(wrapMessage('CEB311Message', [f.order], P.ebp), P.ebp.code) });
  }
  out.push({ name: '621 × 3 records', xml: wrapMessage('CEB621Message', flows.map((f) => f.inventory), P.agent) });
  out.push({ name: '711', xml: arrivalList(P.warehouse, flows[0].inventory.InventoryHead as Record<string, string>, [flows[0].logisticsNo]) });
  out.push({ name: '621 RSA', xml: signCeb(wrapMessage('CEB621Message', [flows[1].inventory], P.agent, undefined, null), demoRsaKey()) });
  TRICKY.forEach((xml, i) => out.push({ name: `tricky ${i}`, xml: demoSign(xml, P.agent.code) }));
  return out;
}

describe('streaming C14N', () => {
  const docs = corpus();

  it.each(docs.map((d) => [d.name, d.xml]))('%s: document and SignedInfo as the references make them', (_name, xml) => {
    const parts = envelopedParts(xml);
    expect(parts).not.toBeNull();
    expect(parts!.document).toBe(xmllintC14n(xml.replace(SIGNATURE, '')));
    expect(parts!.signedInfo).toBe(canonicalSignedInfo(xml));
  });

  it.each(docs.map((d) => [d.name, d.xml]))('%s: verified on the streaming path, as the DOM path verifies it', (_name, xml) => {
    const fast = verifyStreaming(xml);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(verifyCebDom(xml));
  });

  it('canonicalizes the official samples (their placeholder signatures removed) as libxml2 does', () => {
    const dirs = ['import', 'export'].map((d) => path.join(sharedDir(), 'ceb', 'samples', d));
    let n = 0;
    for (const dir of dirs) {
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.xml'))) {
        const decoded = decodeXml(fs.readFileSync(path.join(dir, file)));
        if (!decoded.ok) continue;
        const parts = envelopedParts(decoded.text);
        if (!parts) continue; // no signature: nothing to verify
        expect(parts.document, file).toBe(xmllintC14n(decoded.text.replace(SIGNATURE, '')));
        // Placeholders: the streaming path never accepts them, the DOM path refuses them.
        expect(verifyStreaming(decoded.text), file).toBeNull();
        expect(verifyCeb(decoded.text).ok, file).toBe(false);
        n++;
      }
    }
    expect(n).toBeGreaterThan(5);
  });

  it('never accepts what the DOM path refuses: tampered data, value, SignedInfo, extra signatures', () => {
    const xml = docs[0].xml;
    const sv = /<ds:SignatureValue>([^<]*)</.exec(xml)![1];
    const flipped = Buffer.from(sv, 'base64');
    flipped[5] ^= 1;
    const variants = [
      xml.replace(/<ceb:copNo>(\w)/, '<ceb:copNo>X$1'),
      xml.replace(sv, flipped.toString('base64')),
      xml.replace('<ds:DigestValue>', '<ds:DigestValue>AAAA'),
      xml.replace('xmldsig#enveloped-signature', 'xmldsig#enveloped-signaturX'),
      xml.replace('</ds:KeyInfo>', '</ds:KeyInfo><ds:Object>x</ds:Object>'),
      xml.replace(/(<\/ceb:BaseTransfer>)/, `$1${SIGNATURE.exec(xml)![0]}`),
      xml.replace('<ceb:Inventory>', '<?pi x?><ceb:Inventory>'),
      xml.replace(' xmlns:xsi=', ' xml:lang="zh" xmlns:xsi='),
    ];
    for (const v of variants) {
      const fast = verifyStreaming(v);
      const dom = verifyCebDom(v);
      if (fast) expect(dom.ok).toBe(true);
      expect(verifyCeb(v)).toEqual(dom);
    }
    // A ds:Object is outside both the digest and SignedInfo: still valid, but only the DOM path says so.
    expect(variants.map((v) => verifyCeb(v).ok)).toEqual([false, false, false, false, true, false, false, false]);
  });
});
