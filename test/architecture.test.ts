/**
 * The shape the code must keep: a module reaches another only through its index.ts, modules
 * form no import cycle, and the product never reads ../shared at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]).filter((s) => s.startsWith('.'));
}

const moduleOf = (abs: string): string | null => {
  const rel = path.relative(path.join(SRC, 'modules'), abs);
  return rel.startsWith('..') ? null : rel.split(path.sep)[0];
};

describe('architecture', () => {
  const all = files(SRC);

  it('reaches other modules only through their index.ts', () => {
    const offenders: string[] = [];
    for (const f of all) {
      const from = moduleOf(f);
      for (const spec of imports(f)) {
        const target = path.resolve(path.dirname(f), spec);
        const to = moduleOf(target);
        if (to && to !== from && path.relative(path.join(SRC, 'modules', to), target) !== 'index.ts') {
          offenders.push(`${path.relative(SRC, f)} → ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has no import cycle between modules', () => {
    const edges = new Map<string, Set<string>>();
    for (const f of all) {
      const from = moduleOf(f);
      if (!from) continue;
      for (const spec of imports(f)) {
        const to = moduleOf(path.resolve(path.dirname(f), spec));
        if (to && to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, trail: string[]) => {
      if (trail.includes(node)) {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
    };
    for (const m of edges.keys()) visit(m, []);
    expect(cycles).toEqual([]);
  });

  it('never needs ../shared at run time', () => {
    const offenders = all.filter((f) => /['"`][^'"`]*\.\.\/shared\//.test(fs.readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
