/**
 * The reading limits one by one: every named XML limit with its refusal, encodings, the JSON
 * reader, the JSON form's key rules, and the signature code's DOCTYPE guard.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MESSAGES, nodeFromJson, parseDocument, type Issue } from '../../src/ceb/index.ts';
import { decodeXml } from '../../src/ceb/decode.ts';
import { checkSignature, verifyCeb } from '../../src/ceb/dsig.ts';
import { readJson } from '../../src/platform/json.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';

const CEB = 'xmlns:ceb="http://www.chinaport.gov.cn/ceb"';
const order = () => wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 31 }).order], DEMO_PARTIES.ebp);
const signed = () => wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 32 }).inventory], DEMO_PARTIES.agent);

function refusal(xml: string | Buffer, limits = DEFAULT_LIMITS): Issue {
  const r = parseDocument(typeof xml === 'string' ? Buffer.from(xml) : xml, () => null, limits);
  expect(r.ok).toBe(false);
  return r.ok ? ({} as Issue) : r.issues[0];
}

describe('XML limits', () => {
  it('accepts the real messages the limits are sized for', () => {
    expect(parseDocument(Buffer.from(order())).ok).toBe(true);
    expect(parseDocument(Buffer.from(signed())).ok).toBe(true);
    const hundred = wrapMessage('CEB311Message', Array.from({ length: 100 }, (_, i) => makeFlow(DEMO_PARTIES, { mode: '9610', seed: 100 + i }).order), DEMO_PARTIES.ebp);
    expect(parseDocument(Buffer.from(hundred)).ok).toBe(true);
  });

  // Each limit lowered just below what a real order needs, so the refusal comes from that limit alone.
  const cases: Array<[keyof typeof DEFAULT_LIMITS, number, string]> = [
    ['maxBytes', 1000, 'limit.size'],
    ['maxDepth', 3, 'limit.depth'],
    ['maxElements', 20, 'limit.elements'],
    ['maxAttributes', 2, 'limit.attributes'],
    ['maxAttributeLength', 10, 'limit.attribute-length'],
    ['maxTextLength', 10, 'limit.text-length'],
    ['maxNameLength', 8, 'limit.name-length'],
  ];
  it.each(cases)('%s = %d refuses with %s, naming what was allowed and what came', (name, value, rule) => {
    const issue = refusal(order(), { ...DEFAULT_LIMITS, [name]: value });
    expect(issue.rule).toBe(rule);
    expect(issue.expected).toMatch(new RegExp(`≤ ${value}\\b`));
    expect(issue.actual).toMatch(/\d/);
  });

  it('names where a limit was met', () => {
    const deep = order().replace('</ceb:CEB311Message>', `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${'<a>'.repeat(50)}${'</a>'.repeat(50)}</ds:Signature></ceb:CEB311Message>`);
    expect(refusal(deep)).toMatchObject({ path: 'CEB311Message.Signature', rule: 'limit.depth', expected: `≤ ${DEFAULT_LIMITS.maxDepth} levels of nesting` });
    const long = order().replace(/(<ceb:orderNo>)[^<]*/, `$1${'x'.repeat(DEFAULT_LIMITS.maxTextLength + 1)}`);
    expect(refusal(long)).toMatchObject({ path: 'CEB311Message.Order[0].OrderHead.orderNo', rule: 'limit.text-length' });
  });

  it('refuses 100,000 attributes on one element, naming the element', () => {
    const many = `<ceb:CEB311Message ${CEB} ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ')}/>`;
    expect(refusal(many)).toMatchObject({ rule: 'limit.attributes', actual: `more than ${DEFAULT_LIMITS.maxAttributes} on <ceb:CEB311Message>` });
  });

  it('bounds base64 Data by size only: a DxpMsg of a large message passes', () => {
    const big = wrapMessage('CEB311Message', Array.from({ length: 100 }, (_, i) => makeFlow(DEMO_PARTIES, { mode: '9610', seed: 300 + i }).order), DEMO_PARTIES.ebp);
    const env = `<DxpMsg xmlns="http://www.chinaport.gov.cn/dxp" ver="1.0"><TransInfo><CopMsgId>1</CopMsgId><SenderId>${DEMO_PARTIES.ebp.dxpId}</SenderId><ReceiverIds><ReceiverId>DXPEDCCEB0000002</ReceiverId></ReceiverIds><CreatTime>2024-01-01T00:00:00</CreatTime><MsgType>CEB311Message</MsgType></TransInfo><Data>${Buffer.from(big).toString('base64')}</Data></DxpMsg>`;
    expect(Buffer.from(big).toString('base64').length).toBeGreaterThan(DEFAULT_LIMITS.maxTextLength);
    expect(parseDocument(Buffer.from(env)).ok).toBe(true);
  });

  it('refuses base64 Data with a long whitespace run before a stray character at once (no quadratic pattern match)', () => {
    const env = (data: string) =>
      `<DxpMsg xmlns="http://www.chinaport.gov.cn/dxp" ver="1.0"><TransInfo><CopMsgId>1</CopMsgId><SenderId>${DEMO_PARTIES.ebp.dxpId}</SenderId><ReceiverIds><ReceiverId>DXPEDCCEB0000002</ReceiverId></ReceiverIds><CreatTime>2024-01-01T00:00:00</CreatTime><MsgType>CEB311Message</MsgType></TransInfo><Data>${data}</Data></DxpMsg>`;
    // Four million blanks: hours of backtracking for a pattern that may split the run two ways.
    expect(refusal(env(`QUFB${' '.repeat(4_000_000)}!`))).toMatchObject({ path: 'DxpMsg.Data', rule: 'base64' });
    for (const ok of ['QUFB', 'QUE=', 'QQ==', 'QQ== \n', ' QU\nFB ']) expect(parseDocument(Buffer.from(env(ok))).ok, JSON.stringify(ok)).toBe(true);
    for (const bad of ['QQ===', 'Q=Q=', 'QQ= =', 'QQ==x']) expect(refusal(env(bad)).rule, JSON.stringify(bad)).toBe('base64');
  });

  it('refuses DOCTYPE, processing instructions and XML 1.1; keeps CDATA', () => {
    expect(refusal(`<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd"><x/>`).rule).toBe('no-doctype');
    expect(refusal(`<?xml version="1.0"?><?xml-stylesheet href="a.xsl"?>${order().replace(/^<\?xml[^>]*\?>/, '')}`)).toMatchObject({ rule: 'no-processing-instruction', actual: '<?xml-stylesheet …?>' });
    expect(refusal(order().replace('<ceb:OrderHead>', '<ceb:OrderHead><?php system("id") ?>')).rule).toBe('no-processing-instruction');
    expect(refusal(order().replace('version="1.0"', 'version="1.1"')).rule).toBe('xml-version');
    const cdata = order().replace(/(<ceb:note>)([^<]*)/, '$1<![CDATA[<b>&]]>');
    if (cdata !== order()) expect(parseDocument(Buffer.from(cdata)).ok).toBe(true);
    expect(parseDocument(Buffer.from(order().replace(/(<ceb:orderNo>)([^<]*)/, '$1<![CDATA[$2]]>'))).ok).toBe(true);
  });
});

describe('encodings', () => {
  const body = `<ceb:CEB311Message ${CEB} guid="x" version="1.0"/>`;
  const cases: Array<[string, Buffer, string, RegExp]> = [
    ['UTF-16 LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]), 'encoding', /UTF-16 byte order mark/],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(body, 'utf16le').swap16()]), 'encoding', /UTF-16 byte order mark/],
    ['UTF-16 without BOM', Buffer.from(body, 'utf16le'), 'encoding', /UTF-16 bytes/],
    ['UTF-32 with BOM', Buffer.from([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0]), 'encoding', /UTF-32 byte order mark/],
    ['declared UTF-16', Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${body}`), 'encoding', /encoding="UTF-16"/],
    ['declared ISO-8859-1', Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`), 'encoding', /encoding="ISO-8859-1"/],
    ['UTF-8 BOM with GBK declared', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="GBK"?>${body}`)]), 'encoding', /byte order mark with encoding="GBK"/],
    ['a NUL byte', Buffer.from(`${body}\u0000`), 'xml-char', new RegExp(`NUL byte at byte offset ${Buffer.byteLength(body)}$`)],
    ['invalid UTF-8', Buffer.concat([Buffer.from('<a>'), Buffer.from([0xe4, 0xb8]), Buffer.from('</a>')]), 'encoding', /at byte offset 3 /],
    ['a character cut short at the end', Buffer.concat([Buffer.from('<a>x</a>'), Buffer.from([0xe4, 0xb8])]), 'encoding', /cut short at the end/],
    ['invalid GB18030', Buffer.concat([Buffer.from('<?xml version="1.0" encoding="GB18030"?><a>'), Buffer.from([0x81, 0x20]), Buffer.from('</a>')]), 'encoding', /at byte offset 43 /],
  ];
  it.each(cases)('refuses %s with a clear reason', (_name, bytes, rule, actual) => {
    const d = decodeXml(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.rule).toBe(rule);
      expect(d.actual).toMatch(actual);
    }
    expect(refusal(bytes).rule).toBe(rule);
  });

  it('finds the offset of an invalid byte far into a large document', () => {
    const prefix = Buffer.from(`<a>${'中'.repeat(100_000)}`);
    const d = decodeXml(Buffer.concat([prefix, Buffer.from([0xff]), Buffer.from('</a>')]));
    expect(d).toMatchObject({ ok: false, actual: expect.stringContaining(`at byte offset ${prefix.length} `) });
  });

  it('accepts UTF-8 (with or without BOM) and GB18030/GBK/GB2312 declarations', () => {
    expect(decodeXml(Buffer.from(body))).toMatchObject({ ok: true, encoding: 'UTF-8' });
    expect(decodeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]))).toMatchObject({ ok: true, encoding: 'UTF-8' });
    for (const enc of ['GB18030', 'GBK', 'gb2312']) {
      // 中 in GB18030/GBK/GB2312 is D6 D0.
      const bytes = Buffer.concat([Buffer.from(`<?xml version="1.0" encoding="${enc}"?><a>`), Buffer.from([0xd6, 0xd0]), Buffer.from('</a>')]);
      const d = decodeXml(bytes);
      expect(d).toMatchObject({ ok: true, encoding: 'GB18030' });
      if (d.ok) expect(d.text).toContain('<a>中</a>');
    }
  });
});

describe('JSON', () => {
  it('refuses prototype keys anywhere, naming the path', () => {
    expect(readJson('{"__proto__":{"x":1}}')).toMatchObject({ ok: false, issues: [{ path: '__proto__', rule: 'json.forbidden-key' }] });
    expect(readJson('{"a":[1,{"b":{"constructor":{"prototype":{}}}}]}')).toMatchObject({ ok: false, issues: [{ path: 'a[1].b.constructor', rule: 'json.forbidden-key' }] });
    expect(readJson('{"a":{"prototype":1}}')).toMatchObject({ ok: false, issues: [{ path: 'a.prototype' }] });
    // As values they are only strings.
    expect(readJson('{"a":"__proto__","b":["constructor"]}')).toMatchObject({ ok: true });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('caps nesting before parsing, and ignores brackets inside strings', () => {
    expect(readJson(`${'['.repeat(33)}${']'.repeat(33)}`)).toMatchObject({ ok: false, issues: [{ rule: 'limit.json-depth', expected: '≤ 32 levels of nesting' }] });
    expect(readJson(`${'['.repeat(32)}${']'.repeat(32)}`)).toMatchObject({ ok: true });
    expect(readJson(`{"a":"${'['.repeat(1000)}\\"{{{"}`)).toMatchObject({ ok: true });
    expect(readJson('[1,2,3]', { maxDepth: 32, maxMembers: 1 })).toMatchObject({ ok: false, issues: [{ rule: 'limit.json-members' }] });
  });

  it('reads only strict UTF-8 and valid JSON', () => {
    expect(readJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toMatchObject({ ok: false, issues: [{ rule: 'encoding', actual: 'an invalid byte sequence at byte offset 2' }] });
    expect(readJson('{"a":')).toMatchObject({ ok: false, issues: [{ rule: 'json' }] });
  });

  it('the JSON form refuses prototype keys and over-long lists of its own accord', () => {
    const r = nodeFromJson(MESSAGES.CEB311Message, JSON.parse('{"guid":"x","version":"1","constructor":{},"Order":[{"__proto__":{"a":1}}]}'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toEqual(expect.arrayContaining([
        expect.objectContaining({ path: 'CEB311Message.constructor', rule: 'json.forbidden-key' }),
        expect.objectContaining({ path: 'CEB311Message.Order[0].__proto__', rule: 'json.forbidden-key' }),
      ]));
    }
    const many = nodeFromJson(MESSAGES.CEB311Message, { guid: 'x', version: '1', Order: Array.from({ length: 101 }, () => ({})) });
    expect(many).toMatchObject({ ok: false, issues: [{ path: 'CEB311Message.Order', rule: 'maxOccurs', actual: '101' }] });
  });
});

describe('the signature code (xmldom) never sees a DTD', () => {
  const xml = signed();
  it.each([
    ['<!DOCTYPE', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'],
    ['<!doctype in lower case', '<!doctype x>'],
    ['a bare <!ENTITY', '<!ENTITY e "x">'],
  ])('%s is refused before parsing', (_name, dtd) => {
    const bad = xml.replace(/^(<\?xml[^>]*\?>)/, `$1${dtd}`);
    expect(verifyCeb(bad)).toMatchObject({ ok: false, reason: 'DOCTYPE not allowed' });
    expect(verifyCeb(Buffer.from(bad))).toMatchObject({ ok: false, reason: 'DOCTYPE not allowed' });
    expect(checkSignature(Buffer.from(bad))).toMatchObject({ ok: false });
  });
});
