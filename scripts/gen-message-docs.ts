/**
 * Writes docs/messages.md from the field tables (src/ceb/schema): every message the platform
 * reads or writes, field by field, in the spec's notation. `--check` exits 1 when the file
 * on disk differs (a test runs it), so the docs cannot drift from the tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESSAGES, notation, type ElementDef } from '../src/ceb/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'docs', 'messages.md');

const occurs = (e: ElementDef) => (e.min === 1 && e.max === 1 ? 'required' : e.min === 0 && e.max === 1 ? 'optional' : `${e.min}..${e.max === Infinity ? 'n' : e.max}`);
const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function rows(el: ElementDef, prefix: string, out: string[]) {
  for (const a of el.attrs ?? []) out.push(`| ${prefix}@${a.name} | ${notation(a.type)}${a.type.fixed ? ` = ${a.type.fixed}` : ''} | ${a.required ? 'required' : 'optional'} | ${cell(a.doc)} |`);
  for (const c of el.children ?? []) {
    const name = `${prefix}${c.name}${c.max > 1 ? '[]' : ''}`;
    if (c.any) out.push(`| ${name} | XML | ${occurs(c)} | ${cell(c.doc) || (c.ns === 'ds' ? 'XML-DSig enveloped signature' : 'any XML')} |`);
    else if (c.children) {
      out.push(`| **${name}** | group | ${occurs(c)} | ${cell(c.doc)} |`);
      rows(c, `${name}.`, out);
    } else out.push(`| ${name} | ${c.type ? notation(c.type) : ''}${c.type?.fixed ? ` = ${c.type.fixed}` : ''} | ${occurs(c)} | ${cell(c.doc)} |`);
  }
}

function render(): string {
  const out = [
    '# CEB messages (202205)',
    '',
    'Generated from the field tables by `npm run gen:docs`; do not edit. The tables themselves are',
    'generated from the official XSDs (`npm run gen:tables`). Notation: `C..60` up to 60 characters,',
    '`C18` exactly 18, `N19,5` decimal with up to 19 digits, 5 after the point; `[]` repeats.',
    '',
  ];
  const families: Array<[string, string]> = [['import', 'Import'], ['export', 'Export'], ['dxp', 'Envelopes']];
  for (const [family, title] of families) {
    const list = Object.values(MESSAGES).filter((m) => m.family === family).sort((a, b) => a.root.localeCompare(b.root));
    out.push(`## ${title}`, '', list.map((m) => `[${m.root}](#${m.root.toLowerCase()})`).join(' · '), '');
    for (const m of list) {
      out.push(`### ${m.root}`, '', cell(m.doc), '', '| field | type | occurs | meaning |', '|---|---|---|---|');
      rows(m.element, '', out);
      out.push('');
    }
  }
  return out.join('\n');
}

const text = render();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('docs/messages.md is out of date: run npm run gen:docs');
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)}`);
}
