/**
 * The attack corpus: hostile bodies for every endpoint that reads XML or JSON, each with the
 * refusal it must get. Shared by test/security/attacks.test.ts and `npm run bench:attacks`.
 * Bodies are built on demand (some are megabytes).
 */
import { buildDxpMsg } from '../../src/ceb/index.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';

export type Endpoint = 'messages' | 'precheck' | 'customs';

export interface AttackCase {
  name: string;
  type: 'application/xml' | 'application/json';
  body: () => Buffer;
  /** The rule the refusal names (issues[].rule, or in the message of a customs refusal). */
  rule: string;
  /** Expected status when not 400 (413 for the oversized body). */
  status?: number;
  /** Endpoints that read this body (JSON is not a receipt format). */
  endpoints: Endpoint[];
}

export const ENDPOINT_PATHS: Record<Endpoint, string> = {
  messages: '/api/v1/messages',
  precheck: '/api/v1/precheck',
  customs: '/api/v1/customs/receipts',
};

const CEB = 'http://www.chinaport.gov.cn/ceb';
const ALL: Endpoint[] = ['messages', 'precheck', 'customs'];
const DECLARATIONS: Endpoint[] = ['messages', 'precheck'];

let seed = 900_000;
/** A valid order from the demo platform, as its XML text without the declaration. */
function order(): string {
  const flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
  return wrapMessage('CEB311Message', [flow.order], DEMO_PARTIES.ebp).replace(/^<\?xml[^>]*\?>\s*/, '');
}

/** The JSON form of a valid order, with `edit` applied to its text. */
function orderJson(edit: (json: string) => string): Buffer {
  const flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
  const node: Record<string, unknown> = {
    guid: (flow.order.OrderHead as { guid: string }).guid,
    version: '1.0',
    Order: [flow.order],
    BaseTransfer: { copCode: DEMO_PARTIES.ebp.code, copName: DEMO_PARTIES.ebp.name, dxpMode: 'DXP', dxpId: DEMO_PARTIES.ebp.dxpId },
  };
  return Buffer.from(edit(JSON.stringify({ CEB311Message: node })));
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const billionLaughs = () => {
  let dtd = '<!ENTITY lol0 "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><ceb:CEB311Message xmlns:ceb="${CEB}" guid="x" version="1.0">&lol9;</ceb:CEB311Message>`;
};
const withSignature = (inner: string) => order().replace('</ceb:CEB311Message>', `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${inner}</ds:Signature></ceb:CEB311Message>`);

/** `maxBodyBytes`: the platform's SILKGATE_MAX_BODY_BYTES, for the oversized body. */
export function attackCorpus(maxBodyBytes: number): AttackCase[] {
  return [
    {
      name: 'XXE: external general entity (file:///etc/passwd)',
      type: 'application/xml',
      body: () => utf8(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${order().replace(/(<ceb:orderNo>)[^<]*/, '$1&x;')}`),
      rule: 'no-doctype',
      endpoints: ALL,
    },
    {
      name: 'XXE: external parameter entity',
      type: 'application/xml',
      body: () => utf8(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>${order()}`),
      rule: 'no-doctype',
      endpoints: ALL,
    },
    {
      name: 'XInclude of file:///etc/passwd',
      type: 'application/xml',
      body: () => utf8(order().replace('<ceb:OrderHead>', '<ceb:OrderHead><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>')),
      rule: 'unexpected-element',
      endpoints: DECLARATIONS,
    },
    {
      name: 'billion laughs',
      type: 'application/xml',
      body: () => utf8(billionLaughs()),
      rule: 'no-doctype',
      endpoints: ALL,
    },
    {
      name: 'quadratic blow-up: a 100 kB entity referenced 10,000 times',
      type: 'application/xml',
      body: () => utf8(`<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "${'a'.repeat(100_000)}">]><ceb:CEB311Message xmlns:ceb="${CEB}" guid="x" version="1.0">${'&a;'.repeat(10_000)}</ceb:CEB311Message>`),
      rule: 'no-doctype',
      endpoints: ALL,
    },
    {
      name: 'quadratic blow-up without a DTD: a 5 MB attribute value',
      type: 'application/xml',
      body: () => utf8(order().replace(/guid="[^"]*"/, `guid="${'a'.repeat(5 * 1024 * 1024)}"`)),
      rule: 'limit.attribute-length',
      endpoints: ALL,
    },
    {
      name: 'deep nesting: 100,000 levels',
      type: 'application/xml',
      body: () => utf8(withSignature(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`)),
      rule: 'limit.depth',
      endpoints: ALL,
    },
    {
      name: '10,000 attributes on one element',
      type: 'application/xml',
      body: () => utf8(withSignature(`<a ${Array.from({ length: 10_000 }, (_, i) => `a${i}="${i}"`).join(' ')}/>`)),
      rule: 'limit.attributes',
      endpoints: ALL,
    },
    {
      name: 'a body over SILKGATE_MAX_BODY_BYTES',
      type: 'application/xml',
      body: () => utf8(`${order()}<!--${'x'.repeat(maxBodyBytes + 1024)}-->`),
      rule: 'PAYLOAD_TOO_LARGE',
      status: 413,
      endpoints: ALL,
    },
    {
      name: 'invalid UTF-8',
      type: 'application/xml',
      body: () => {
        const xml = order();
        const at = xml.indexOf('<ceb:orderNo>') + '<ceb:orderNo>'.length;
        return Buffer.concat([utf8(xml.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), utf8(xml.slice(at))]);
      },
      rule: 'encoding',
      endpoints: ALL,
    },
    {
      name: 'GBK declared, UTF-8 bytes that are not valid GBK',
      type: 'application/xml',
      // 中 is E4 B8 AD in UTF-8: E4 B8 is one GBK character, AD then "<" is not.
      body: () => utf8(`<?xml version="1.0" encoding="GBK"?>${order().replace(/(<ceb:orderNo>)[^<]*/, '$1中')}`),
      rule: 'encoding',
      endpoints: ALL,
    },
    {
      name: 'UTF-16 with a byte order mark',
      type: 'application/xml',
      body: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${order()}`, 'utf16le')]),
      rule: 'encoding',
      endpoints: ALL,
    },
    {
      name: 'a UTF-8 byte order mark contradicting encoding="GB18030"',
      type: 'application/xml',
      body: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(`<?xml version="1.0" encoding="GB18030"?>${order()}`)]),
      rule: 'encoding',
      endpoints: ALL,
    },
    {
      name: 'NUL bytes',
      type: 'application/xml',
      body: () => utf8(order().replace('<ceb:orderNo>', '<ceb:orderNo>\u0000\u0000')),
      rule: 'xml-char',
      endpoints: ALL,
    },
    {
      name: 'a processing instruction',
      type: 'application/xml',
      body: () => utf8(`<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="file:///etc/passwd"?>${order()}`),
      rule: 'no-processing-instruction',
      endpoints: ALL,
    },
    {
      name: 'a DxpMsg whose base64 Data holds a billion laughs',
      type: 'application/xml',
      body: () => utf8(buildDxpMsg({ copMsgId: 'attack-1', senderId: DEMO_PARTIES.ebp.dxpId, receiverId: 'DXPEDCCEB0000002', msgType: 'CEB311Message', data: utf8(billionLaughs()) })),
      rule: 'no-doctype',
      endpoints: ALL,
    },
    {
      name: 'JSON: {"__proto__":{"polluted":1}} at the top level',
      type: 'application/json',
      body: () => utf8('{"__proto__":{"polluted":1}}'),
      rule: 'json.forbidden-key',
      endpoints: DECLARATIONS,
    },
    {
      name: 'JSON: __proto__ nested in the CEB JSON form',
      type: 'application/json',
      body: () => orderJson((json) => json.replace('"Order":[{', '"Order":[{"__proto__":{"polluted":1},')),
      rule: 'json.forbidden-key',
      endpoints: DECLARATIONS,
    },
    {
      name: 'JSON: constructor.prototype in the CEB JSON form',
      type: 'application/json',
      body: () => orderJson((json) => json.replace('{"CEB311Message":{', '{"CEB311Message":{"constructor":{"prototype":{"polluted":1}},')),
      rule: 'json.forbidden-key',
      endpoints: DECLARATIONS,
    },
    {
      name: 'JSON: 100,000 levels of nesting',
      type: 'application/json',
      body: () => utf8(`{"CEB311Message":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      rule: 'limit.json-depth',
      endpoints: DECLARATIONS,
    },
  ];
}
