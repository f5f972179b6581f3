import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir, validateWithXsd } from '../../test/support/xmllint.ts';
import { MESSAGES, buildDocument, buildDxpMsg, nodeFromJson, openEnvelope, parseDocument, records, type Issue } from './index.ts';

const samples = (dir: string) => path.join(sharedDir(), 'ceb', 'samples', dir);
const importFiles = fs.readdirSync(samples('import')).filter((f) => f.endsWith('.xml'));
const exportFiles = fs.readdirSync(samples('export')).filter((f) => f.endsWith('.xml'));

function parseOk(bytes: Buffer | string) {
  const r = parseDocument(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.doc;
}

function issuesOf(xml: string | Buffer): Issue[] {
  const r = parseDocument(typeof xml === 'string' ? Buffer.from(xml) : xml);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues;
}

const order = fs.readFileSync(path.join(samples('import'), 'CEB311Message.xml'), 'utf8');

describe('official samples', () => {
  it('has all 16 import samples', () => expect(importFiles).toHaveLength(16));

  it.each(importFiles)('parses import sample %s and round-trips losslessly', (f) => {
    const bytes = fs.readFileSync(path.join(samples('import'), f));
    const doc = parseOk(bytes);
    expect(`${doc.root}.xml`).toBe(f);
    const rebuilt = buildDocument(doc.def, doc.body, { prefix: doc.root.match(/CEB\d\d[13]M/) ? 'ceb' : null });
    const again = parseOk(rebuilt);
    expect(again.body).toEqual(doc.body);
    // What the platform builds is valid against the official XSD.
    const v = validateWithXsd(rebuilt, 'import');
    expect(v.ok, v.errors).toBe(true);
  });

  const invalidExports: Record<string, { path: RegExp; rule: string }> = {
    'CEB303Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB403Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB505Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB507Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB509Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB603Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB605Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB607Message.xml': { path: /BaseTransfer$/, rule: 'maxOccurs' },
    'CEB214Message.xml': { path: /^CEB214$/, rule: 'message-type' },
    'CEB792Message.xml': { path: /SummaryResultList\[0\]\.gseqno$/, rule: 'required' },
  };

  it.each(exportFiles)('export sample %s: valid ones parse, invalid ones fail with the precise fault', (f) => {
    const bytes = fs.readFileSync(path.join(samples('export'), f));
    const r = parseDocument(bytes);
    const bad = invalidExports[f.replace(' ', '')];
    if (!bad) {
      expect(r.ok).toBe(true);
      return;
    }
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues[0].rule).toBe(bad.rule);
      expect(r.issues[0].path).toMatch(bad.path);
    }
  });
});

describe('JSON form', () => {
  it('is the same tree the parser yields, and builds back to the same message', () => {
    const doc = parseOk(order);
    const json = JSON.parse(JSON.stringify(doc.body));
    const back = nodeFromJson(MESSAGES.CEB311Message, json);
    expect(back.ok).toBe(true);
    if (back.ok) expect(parseOk(buildDocument(MESSAGES.CEB311Message, back.body)).body).toEqual(doc.body);
    expect(records(doc.def, doc.body)).toHaveLength((doc.body.Order as unknown[]).length);
  });

  it('names unknown fields and wrong types', () => {
    const r = nodeFromJson(MESSAGES.CEB311Message, { guid: 'x', Order: [{ OrderHead: { orderNo: { a: 1 }, bogus: '1' } }], __proto__: { polluted: true } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toContainEqual(expect.objectContaining({ path: 'CEB311Message.Order[0].OrderHead.orderNo', rule: 'type', expected: 'a string' }));
      expect(r.issues).toContainEqual(expect.objectContaining({ path: 'CEB311Message.Order[0].OrderHead.bogus', rule: 'unknown-field' }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validation faults are precise', () => {
  it('over-long field', () => {
    const xml = order.replace(/<ceb:orderNo>[^<]*</, `<ceb:orderNo>${'A'.repeat(61)}<`);
    const [i] = issuesOf(xml);
    expect(i).toMatchObject({ path: 'CEB311Message.Order[0].OrderHead.orderNo', rule: 'maxLength', actual: expect.stringContaining('61 characters') });
    expect(i.expected).toContain('C..60');
  });

  it('missing required field', () => {
    const xml = order.replace(/<ceb:buyerName>[^<]*<\/ceb:buyerName>/, '');
    const issues = issuesOf(xml);
    expect(issues[0]).toMatchObject({ path: 'CEB311Message.Order[0].OrderHead.buyerName', rule: 'required', actual: 'missing' });
  });

  it('a number that is not N19,5', () => {
    for (const bad of ['12.345678', '1e5', 'abc', '12345678901234567890']) {
      const xml = order.replace(/<ceb:goodsValue>[^<]*</, `<ceb:goodsValue>${bad}<`);
      const [i] = issuesOf(xml);
      expect(i.path).toBe('CEB311Message.Order[0].OrderHead.goodsValue');
      expect(i.expected).toContain('N19,5');
    }
    expect(parseDocument(Buffer.from(order.replace(/<ceb:goodsValue>[^<]*</, '<ceb:goodsValue>12345678901234.12345<'))).ok).toBe(true);
  });

  it('fixed value (currency 142 on import)', () => {
    const [i] = issuesOf(order.replace(/<ceb:currency>142</, '<ceb:currency>502<'));
    expect(i).toMatchObject({ rule: 'fixed', path: expect.stringMatching(/currency$/) });
  });

  it('elements out of order', () => {
    const xml = order.replace(/(<ceb:orderType>[^<]*<\/ceb:orderType>)(\s*)(<ceb:orderNo>[^<]*<\/ceb:orderNo>)/, '$3$2$1');
    const [i] = issuesOf(xml);
    expect(i.rule).toMatch(/order|required/);
  });

  it('wrong namespace', () => {
    const [i] = issuesOf(order.replace('xmlns:ceb="http://www.chinaport.gov.cn/ceb"', 'xmlns:ceb="http://example.com/ceb"'));
    expect(i).toMatchObject({ rule: 'namespace', expected: 'namespace http://www.chinaport.gov.cn/ceb' });
  });

  it('unknown message type', () => {
    const [i] = issuesOf('<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>');
    expect(i).toMatchObject({ rule: 'message-type', actual: '<ceb:CEB999Message>' });
  });

  it('malformed XML', () => {
    const [i] = issuesOf(order.replace('</ceb:orderNo>', '</ceb:orderNO>'));
    expect(i.rule).toBe('well-formed');
  });

  it('refuses DOCTYPE, external entities and entity expansion outright', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1">&x;</ceb:CEB311Message>`;
    expect(issuesOf(xxe)[0].rule).toBe('no-doctype');
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    expect(issuesOf(lol)[0].rule).toBe('no-doctype');
    // An undeclared entity without a DTD is not well-formed.
    expect(issuesOf(order.replace(/<ceb:orderNo>[^<]*</, '<ceb:orderNo>&undefined;<'))[0].rule).toBe('well-formed');
  });

  it('caps nesting depth', () => {
    const deep = `<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1"><ceb:ExtendMessage><ceb:name>n</ceb:name><ceb:version>1</ceb:version><ceb:Message>${'<a>'.repeat(1000)}${'</a>'.repeat(1000)}</ceb:Message></ceb:ExtendMessage></ceb:CEB311Message>`;
    expect(issuesOf(deep).some((i) => i.rule === 'limit.depth')).toBe(true);
  });

  it('caps attributes', () => {
    const attrs = Array.from({ length: 50 }, (_, n) => ` a${n}="1"`).join('');
    expect(issuesOf(`<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"${attrs}/>`)[0].rule).toBe('limit.attributes');
    const long = `<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="${'x'.repeat(100_000)}"/>`;
    expect(issuesOf(long)[0].rule).toBe('limit.attribute-length');
  });
});

describe('encodings', () => {
  it('decodes GB18030/GBK declarations and keeps the text', () => {
    const utf8 = order.replace('encoding="UTF-8"', 'encoding="GBK"').replace(/^\uFEFF/, '');
    // Node has no GBK encoder: build the GBK bytes from a known mapping of the sample's characters.
    const gbk = encodeGbk(utf8);
    const doc = parseOk(gbk);
    expect(doc.encoding).toBe('GB18030');
    const head = (doc.body.Order as Array<{ OrderHead: { ebpName: string } }>)[0].OrderHead;
    expect(head.ebpName).toBe(parseOk(order).body.Order && (parseOk(order).body.Order as Array<{ OrderHead: { ebpName: string } }>)[0].OrderHead.ebpName);
  });

  it('refuses bytes invalid in the declared encoding', () => {
    const bad = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>'), Buffer.from([0xc3, 0x28]), Buffer.from('</a>')]);
    expect(issuesOf(bad)[0]).toMatchObject({ rule: 'encoding', actual: expect.stringMatching(/^an invalid byte sequence at byte offset 41 /) });
    expect(issuesOf('<?xml version="1.0" encoding="EBCDIC"?><a/>')[0].rule).toBe('encoding');
  });
});

describe('DxpMsg', () => {
  it('wraps the exact bytes and validates against the official XSD', () => {
    const bytes = Buffer.from(order);
    const xml = buildDxpMsg({ copMsgId: 'a1b2', senderId: 'DXPENT0000011001', receiverId: 'DXPEDCCEB0000002', msgType: 'CEB311Message', data: bytes, createdAt: new Date('2026-11-22T01:02:03Z') });
    const v = validateWithXsd(xml, 'dxp-terminal');
    expect(v.ok, v.errors).toBe(true);
    const env = openEnvelope(parseOk(xml));
    expect(env.data.equals(bytes)).toBe(true);
    expect(env).toMatchObject({ copMsgId: 'a1b2', senderId: 'DXPENT0000011001', receiverIds: ['DXPEDCCEB0000002'], createdAt: '2026-11-22T09:02:03', msgType: 'CEB311Message' });
  });
});

/** GBK encoder for the test: every non-ASCII character of the sample, via the GB18030 decoder's inverse. */
function encodeGbk(text: string): Buffer {
  const dec = new TextDecoder('gb18030');
  const table = new Map<string, Buffer>();
  const out: Buffer[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      out.push(Buffer.from(ch, 'latin1'));
      continue;
    }
    let b = table.get(ch);
    if (!b) {
      search: for (let hi = 0x81; hi <= 0xfe; hi++) {
        for (let lo = 0x40; lo <= 0xfe; lo++) {
          const cand = Buffer.from([hi, lo]);
          if (dec.decode(cand) === ch) {
            b = cand;
            break search;
          }
        }
      }
      if (!b) throw new Error(`no GBK code for ${ch}`);
      table.set(ch, b);
    }
    out.push(b);
  }
  return Buffer.concat(out);
}
