/**
 * Every string of the console in both languages: each feature's messages (defineMessages) have
 * the same keys in Chinese and English, none empty, the same {placeholders}, and no Chinese left
 * in the English table. (The type checker already refuses a missing key; this also catches an
 * untranslated one.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../web/src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

const files = sources(root).filter((f) => !f.endsWith(`i18n${path.sep}index.tsx`) && fs.readFileSync(f, 'utf8').includes('defineMessages('));
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console translations', () => {
  it('keeps every feature’s strings in messages files the test can read', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(path.basename(f), 'strings defined outside a messages file').toMatch(/^(messages|codes)\.ts$/);
  });

  for (const file of files) {
    it(path.relative(root, file), async () => {
      const mod = (await import(file)) as Record<string, unknown>;
      const tables = Object.entries(mod).filter((e): e is [string, { 'zh-CN': Record<string, string>; en: Record<string, string> }] => {
        const v = e[1] as { en?: unknown; 'zh-CN'?: unknown } | null;
        return !!v && typeof v === 'object' && !!v.en && !!v['zh-CN'];
      });
      expect(tables.length).toBeGreaterThan(0);
      for (const [name, t] of tables) {
        expect(Object.keys(t.en).sort(), name).toEqual(Object.keys(t['zh-CN']).sort());
        for (const [key, zh] of Object.entries(t['zh-CN'])) {
          const en = t.en[key];
          expect(zh.trim(), `${name}.${key} (zh-CN) is empty`).not.toBe('');
          expect(en.trim(), `${name}.${key} (en) is empty`).not.toBe('');
          expect(/[\u3400-\u9fff]/.test(en), `${name}.${key} (en) still holds Chinese: ${en}`).toBe(false);
          expect(placeholders(en), `${name}.${key}: placeholders differ`).toEqual(placeholders(zh));
        }
      }
    });
  }

  it('has no Chinese text written straight into a page (outside the messages files)', () => {
    // The language switch names each language in itself; the CSV template's sample row is data.
    const allowed = [/'中文'/, /^\s*\[CSV_COLUMNS\.join/];
    const offenders = sources(root)
      .filter((f) => f.endsWith('.tsx'))
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${path.relative(root, f)}:${i + 1}`, line }))
          .filter(({ line }) => /[\u3400-\u9fff]/.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line) && !allowed.some((a) => a.test(line))),
      );
    expect(offenders.map((o) => o.where)).toEqual([]);
  });
});
