import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from './index.ts';
import type { ElementDef, MessageDef } from './index.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const xsdDir = resolve(projectRoot, '..', 'shared', 'ceb', 'xsd');

const IMPORT_ROOTS = [311, 312, 411, 412, 511, 512, 513, 514, 621, 622, 623, 624, 625, 626, 711, 712, 816, 818, 900].map(
  (n) => `CEB${n}Message`,
);
const EXPORT_ROOTS = [213, 214, 215, 216, 303, 304, 403, 404, 505, 506, 507, 508, 509, 510, 603, 604, 605, 606, 607, 608, 701, 702, 792].map(
  (n) => `CEB${n}Message`,
);
const DXP_ROOTS = ['DxpMsg', 'DxpMsgSv', 'DxpRep'];

function msg(root: string): MessageDef {
  const m = MESSAGES[root];
  if (!m) throw new Error(`no message ${root}`);
  return m;
}

/** Follows a path of child names from an element, e.g. child(root, 'Order', 'OrderHead'). */
function child(e: ElementDef, ...path: string[]): ElementDef {
  let cur = e;
  for (const name of path) {
    const next = cur.children?.find((c) => c.name === name);
    if (!next) throw new Error(`${cur.name} has no child ${name} (children: ${cur.children?.map((c) => c.name).join(', ')})`);
    cur = next;
  }
  return cur;
}

const names = (e: ElementDef) => (e.children ?? []).map((c) => c.name);

function walk(e: ElementDef, visit: (e: ElementDef, path: string) => void, path = e.name): void {
  visit(e, path);
  for (const c of e.children ?? []) walk(c, visit, `${path}/${c.name}`);
}

/** The XSD's own list of global CEBnnnMessage elements, read straight from the file. */
function xsdRoots(file: string): string[] {
  const xsd = readFileSync(join(xsdDir, file), 'utf8');
  return [...xsd.matchAll(/<xs:element name="(CEB\d{3}Message)"/g)].map((m) => m[1]).sort();
}

describe('message catalogue', () => {
  it('has exactly the import, export and DXP roots of the XSDs', () => {
    const byFamily = (f: string) =>
      Object.values(MESSAGES)
        .filter((m) => m.family === f)
        .map((m) => m.root)
        .sort();
    expect(byFamily('import')).toEqual(IMPORT_ROOTS);
    expect(byFamily('export')).toEqual(EXPORT_ROOTS);
    expect(byFamily('dxp')).toEqual(DXP_ROOTS);
    expect(xsdRoots('ceb-import.xsd')).toEqual(IMPORT_ROOTS);
    expect(xsdRoots('ceb-export.xsd')).toEqual(EXPORT_ROOTS);
    expect(Object.keys(MESSAGES)).toHaveLength(IMPORT_ROOTS.length + EXPORT_ROOTS.length + DXP_ROOTS.length);
  });

  it('keys every message by its root element and documents it', () => {
    for (const [k, m] of Object.entries(MESSAGES)) {
      expect(m.root).toBe(k);
      expect(m.element.name).toBe(k);
      expect(m.element.ns).toBe(m.family === 'dxp' ? 'dxp' : 'ceb');
      expect([m.element.min, m.element.max]).toEqual([1, 1]);
      expect(m.doc.length).toBeGreaterThan(0);
    }
  });

  it('builds well-formed trees', () => {
    for (const m of Object.values(MESSAGES)) {
      walk(m.element, (e, path) => {
        expect(e.min, path).toBeLessThanOrEqual(e.max);
        expect(e.max, path).toBeGreaterThan(0);
        // content is exactly one of: leaf type, child sequence, raw XML (an attribute-only empty element has children: [])
        const kinds = [e.type !== undefined, e.children !== undefined, e.any === true].filter(Boolean).length;
        expect(kinds, path).toBe(1);
        if (e.ns === 'ds') expect(e, path).toEqual({ name: 'Signature', ns: 'ds', min: e.min, max: e.max, any: true });
        if (m.family !== 'dxp') expect(['ceb', 'ds'], path).toContain(e.ns);
        else expect(['dxp', 'ds'], path).toContain(e.ns);
        if (e.doc !== undefined) expect(e.doc, path).toBe(e.doc.replace(/\s+/g, ' ').trim());
        const sibling = new Set(names(e));
        expect(sibling.size, `${path}: duplicate child names`).toBe(names(e).length);
      });
    }
  });

  it('gives every CEB root the required guid (36) and version (1..10) attributes', () => {
    for (const root of [...IMPORT_ROOTS, ...EXPORT_ROOTS]) {
      const attrs = msg(root).element.attrs ?? [];
      expect(attrs.map((a) => [a.name, a.required, a.type])).toEqual([
        ['guid', true, { kind: 'string', length: 36 }],
        ['version', true, { kind: 'string', minLength: 1, maxLength: 10 }],
      ]);
    }
  });
});

describe('CEB311 import order', () => {
  const root = msg('CEB311Message').element;
  const head = child(root, 'Order', 'OrderHead');

  it('has up to 100 orders of one OrderHead and up to 99 OrderList', () => {
    expect(child(root, 'Order')).toMatchObject({ min: 1, max: 100 });
    expect(names(child(root, 'Order'))).toEqual(['OrderHead', 'OrderList']);
    expect(child(root, 'Order', 'OrderHead')).toMatchObject({ min: 1, max: 1, doc: '电子订单表头实体' });
    expect(child(root, 'Order', 'OrderList')).toMatchObject({ min: 1, max: 99 });
  });

  it('types OrderHead fields from the XSD facets', () => {
    expect(child(head, 'acturalPaid').type).toEqual({ kind: 'decimal', totalDigits: 19, fractionDigits: 5 });
    expect(child(head, 'orderNo')).toMatchObject({ min: 1, max: 1, ns: 'ceb', type: { kind: 'string', maxLength: 60 } });
    expect(child(head, 'guid').type).toEqual({ kind: 'string', length: 36 });
    expect(child(head, 'payCode')).toMatchObject({ min: 0, max: 1 });
    expect(child(root, 'Order', 'OrderList', 'gnum').type).toEqual({ kind: 'int' });
  });

  it('keeps XSD field order (buyerTelephone between buyerName and buyerIdType)', () => {
    const n = names(head);
    expect(n[0]).toBe('guid');
    expect(n.at(-1)).toBe('note');
    const i = n.indexOf('buyerTelephone');
    expect(n.slice(i - 1, i + 2)).toEqual(['buyerName', 'buyerTelephone', 'buyerIdType']);
  });

  it('collapses whitespace in documentation', () => {
    expect(child(head, 'acturalPaid').doc).toBe('商品价格+运杂费+代扣税款-非现金抵扣金额，与支付凭证的支付金额一致。');
  });
});

describe('top-level layout per family', () => {
  const declarations = (roots: string[]) => roots.filter((r) => names(msg(r).element).includes('BaseTransfer'));

  it('import: business node(s), BaseTransfer, BaseSubscribe(0..5), ExtendMessage, Signature', () => {
    const decl = declarations(IMPORT_ROOTS);
    expect(decl).toEqual(['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message', 'CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message']);
    for (const r of decl) {
      const el = msg(r).element;
      expect(names(el).slice(-4), r).toEqual(['BaseTransfer', 'BaseSubscribe', 'ExtendMessage', 'Signature']);
      expect(child(el, 'BaseTransfer')).toMatchObject({ min: 1, max: 1 });
      expect(child(el, 'BaseSubscribe')).toMatchObject({ min: 0, max: 5 });
      expect(child(el, 'ExtendMessage')).toMatchObject({ min: 0, max: 1 });
    }
  });

  it('export: Signature comes before ExtendMessage', () => {
    const decl = declarations(EXPORT_ROOTS);
    expect(decl).toHaveLength(11);
    expect(names(msg('CEB303Message').element)).toEqual(['Order', 'BaseTransfer', 'BaseSubscribe', 'Signature', 'ExtendMessage']);
    for (const r of decl) {
      expect(names(msg(r).element).slice(-4), r).toEqual(['BaseTransfer', 'BaseSubscribe', 'Signature', 'ExtendMessage']);
      expect(child(msg(r).element, 'BaseSubscribe')).toMatchObject({ min: 0, max: 5 });
    }
  });

  it('receipts carry only their return node', () => {
    for (const r of ['CEB312Message', 'CEB412Message', 'CEB622Message', 'CEB304Message', 'CEB604Message', 'CEB214Message']) {
      const kids = msg(r).element.children ?? [];
      expect(kids, r).toHaveLength(1);
      expect(kids[0], r).toMatchObject({ min: 1, max: 100 });
    }
    expect(names(msg('CEB312Message').element)).toEqual(['OrderReturn']);
  });

  it('requires the signature only on import 621/623/625/711', () => {
    const sig = (r: string) => child(msg(r).element, 'Signature');
    for (const r of ['CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message']) {
      expect(sig(r), r).toEqual({ name: 'Signature', ns: 'ds', min: 1, max: 1, any: true });
    }
    for (const r of ['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message']) expect(sig(r).min, r).toBe(0);
    for (const r of declarations(EXPORT_ROOTS)) expect(sig(r).min, r).toBe(0);
  });

  it('keeps ExtendMessage/Message as raw XML', () => {
    for (const r of ['CEB311Message', 'CEB303Message']) {
      const ext = child(msg(r).element, 'ExtendMessage');
      expect(names(ext)).toEqual(['name', 'version', 'Message']);
      expect(child(ext, 'Message')).toEqual({ name: 'Message', ns: 'ceb', min: 1, max: 1, doc: '自定义报文实体', any: true });
    }
  });
});

describe('import and export XSDs are kept apart', () => {
  it('BaseTransfer reflects each XSD', () => {
    expect(child(msg('CEB311Message').element, 'BaseTransfer', 'copCode').type).toEqual({ kind: 'string', minLength: 1, maxLength: 18 });
    expect(child(msg('CEB303Message').element, 'BaseTransfer', 'copCode').type).toEqual({ kind: 'string', maxLength: 18 });
    expect(names(child(msg('CEB303Message').element, 'BaseTransfer'))).toEqual(['copCode', 'copName', 'dxpMode', 'dxpId', 'note']);
  });

  it('same-named global elements differ between import and export', () => {
    expect(child(msg('CEB303Message').element, 'Order', 'OrderList').max).toBe(100);
    expect(child(msg('CEB303Message').element, 'Order', 'OrderList', 'gnum').type).toEqual({ kind: 'int', totalDigits: 5 });
    expect(names(child(msg('CEB303Message').element, 'Order', 'OrderHead'))).not.toContain('acturalPaid');
    expect(names(msg('CEB505Message').element.children?.[0] as ElementDef)).toContain('goodsInfo');
    expect(names(msg('CEB511Message').element.children?.[0] as ElementDef)).toEqual(['LogisticsHead']);
  });

  it('maps xs:whiteSpace collapse and xs:int restrictions', () => {
    expect(child(msg('CEB505Message').element, 'Logistics', 'goodsInfo').type).toEqual({ kind: 'string', maxLength: 200, collapse: true });
    expect(child(msg('CEB505Message').element, 'Logistics', 'packNo').type).toEqual({ kind: 'int', totalDigits: 9 });
    expect(child(msg('CEB511Message').element, 'Logistics', 'LogisticsHead', 'packNo').type).toEqual({ kind: 'int', totalDigits: 9 });
    expect(child(msg('CEB511Message').element, 'Logistics', 'LogisticsHead', 'goodsInfo').type).toEqual({ kind: 'string', maxLength: 200 });
  });

  it('CEB816 and CEB818 have their own unbounded Tax nodes', () => {
    expect(child(msg('CEB816Message').element, 'Tax')).toMatchObject({ min: 1, max: Infinity });
    expect(names(child(msg('CEB816Message').element, 'Tax'))).toEqual(['TaxHeadRd', 'TaxListRd']);
    expect(child(msg('CEB816Message').element, 'Tax', 'TaxListRd').max).toBe(99);
    expect(names(child(msg('CEB818Message').element, 'Tax'))).toEqual(['TaxHeadStatus']);
  });
});

describe('DXP envelopes', () => {
  const dxp = msg('DxpMsg').element;

  it('DxpMsg: TransInfo, Data, AddInfo, Signature with a required ver attribute', () => {
    expect(names(dxp)).toEqual(['TransInfo', 'Data', 'AddInfo', 'Signature']);
    expect(dxp.attrs?.map((a) => [a.name, a.required])).toEqual([
      ['ver', true],
      ['Id', false],
    ]);
    expect(child(dxp, 'Data')).toMatchObject({ min: 1, max: 1, type: { kind: 'base64' } });
    expect(child(dxp, 'AddInfo').min).toBe(0);
    expect(child(dxp, 'Signature')).toEqual({ name: 'Signature', ns: 'ds', min: 0, max: 1, any: true });
  });

  it('TransInfo carries CopMsgId, SenderId, ReceiverIds, CreatTime, MsgType', () => {
    const ti = child(dxp, 'TransInfo');
    expect(names(ti)).toEqual(['CopMsgId', 'SenderId', 'ReceiverIds', 'CreatTime', 'MsgType']);
    expect(child(ti, 'CopMsgId').type).toEqual({ kind: 'string', minLength: 1, maxLength: 255 });
    expect(child(ti, 'ReceiverIds', 'ReceiverId')).toMatchObject({ min: 1, max: 5, type: { kind: 'string', minLength: 1, maxLength: 16 } });
    expect(child(ti, 'CreatTime').type).toEqual({ kind: 'dateTime' });
    expect(child(ti, 'MsgType').type).toEqual({ kind: 'string', minLength: 0, maxLength: 30 });
  });

  it('DXP child elements are namespace-qualified (elementFormDefault="qualified")', () => {
    walk(dxp, (e, path) => expect(['dxp', 'ds'], path).toContain(e.ns));
    expect(child(dxp, 'TransInfo', 'CopMsgId').ns).toBe('dxp');
  });

  it('AddInfo: Key has simple content plus an attribute, IsText is empty with an attribute', () => {
    const key = child(dxp, 'AddInfo', 'BizKey', 'Key');
    expect(key).toMatchObject({ min: 1, max: 5, type: { kind: 'string', minLength: 1, maxLength: 64 } });
    expect(key.attrs).toEqual([{ name: 'name', required: false, type: { kind: 'string', minLength: 1, maxLength: 32 } }]);
    const isText = child(dxp, 'AddInfo', 'IsText');
    expect(isText.children).toEqual([]);
    expect(isText.attrs).toEqual([{ name: 'Encode', required: true, doc: '字符集', type: { kind: 'string', maxLength: 50 } }]);
    // RecMapId has no type in the XSD (xs:anyType): kept as raw XML.
    expect(child(dxp, 'AddInfo', 'RecMapId')).toMatchObject({ min: 0, any: true });
  });

  it('DxpMsgSv wraps SvNo and the full DxpMsg', () => {
    const sv = msg('DxpMsgSv').element;
    expect(names(sv)).toEqual(['SvNo', 'DxpMsg', 'Signature']);
    expect(names(child(sv, 'SvNo'))).toEqual(['MsgId', 'SubMsgId', 'SendTime', 'EndNode', 'StaNode']);
    expect(child(sv, 'SvNo').attrs?.map((a) => [a.name, a.required])).toEqual([['Ver', true]]);
    expect(child(sv, 'DxpMsg')).toEqual(dxp);
  });

  it('DxpRep keeps the XSD spelling RecevierId and reuses TransInfoType for OriHead', () => {
    const rep = msg('DxpRep').element;
    expect(names(rep)).toEqual(['RecevierId', 'AdNodeId', 'Response', 'Signature']);
    expect(child(rep, 'Response').max).toBe(Infinity);
    expect(child(rep, 'Response', 'NoticeTime').type).toEqual({ kind: 'date' });
    expect(names(child(rep, 'Response', 'OriHead'))).toEqual(names(child(dxp, 'TransInfo')));
  });
});

describe('generator', () => {
  const gen = (...args: string[]) =>
    spawnSync('npx', ['tsx', 'scripts/gen-field-tables.ts', ...args], { cwd: projectRoot, encoding: 'utf8' });

  it('--check passes: the committed tables match the XSDs', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/gen-field-tables.ts', '--check'], { cwd: projectRoot, encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });

  describe('against a modified copy of the XSDs', () => {
    const withXsd = (edit: (xsd: string) => string) => {
      const dir = mkdtempSync(join(tmpdir(), 'silkgate-xsd-'));
      try {
        cpSync(xsdDir, dir, { recursive: true });
        const file = join(dir, 'ceb-import.xsd');
        const before = readFileSync(file, 'utf8');
        const after = edit(before);
        expect(after).not.toBe(before);
        writeFileSync(file, after);
        return gen('--check', '--xsd', dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('--check fails and names the file that would change', () => {
      const r = withXsd((x) => x.replace('<xs:element ref="ceb:OrderList" maxOccurs="99"/>', '<xs:element ref="ceb:OrderList" maxOccurs="98"/>'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(join('import', 'CEB311Message.ts'));
      expect(r.stderr).not.toContain('CEB411Message.ts');
    });

    it('throws on a construct it cannot map instead of skipping it', () => {
      const r = withXsd((x) => x.replace('<xs:length value="36"/>', '<xs:enumeration value="X"/>'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('xs:enumeration');
    });
  });
});
