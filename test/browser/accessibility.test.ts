/**
 * Every page of the console checked with axe-core in Chromium, in both languages: no serious or
 * critical accessibility violation (names of controls and links, contrast, labels, landmarks).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, type ConsoleHarness } from './support.ts';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

async function violations(page: Page, path: string): Promise<string[]> {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  await page.locator('main h1').first().waitFor();
  expect(await page.locator('main h1').first().textContent(), `${path} is a page`).not.toMatch(/页面不存在|Page not found/);
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Violation[] }> } };
    return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${path}: ${v.id} (${v.nodes.length}×, e.g. ${v.nodes[0]?.target.join(' ')})`);
}

describe('console accessibility (axe-core)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await openConsole();
  }, 120_000);
  afterAll(async () => h?.close());

  const pages: Array<{ role: Parameters<ConsoleHarness['login']>[1] | null; paths: string[] }> = [
    { role: null, paths: ['/login', '/status', '/warehouses', '/warehouses/1'] },
    { role: 'agent', paths: ['/workbench', '/workbench/submit', '/settings'] },
    { role: 'customs', paths: ['/monitor'] },
    { role: 'operator', paths: ['/operator', '/operator/rates', '/operator/positive-list', '/operator/sandbox', '/operator/filings'] },
  ];

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`has no serious violation on any page (${lang})`, async () => {
      const found: string[] = [];
      for (const { role, paths } of pages) {
        const page = await h.newPage({ lang, bypassCsp: true });
        if (role) await h.login(page, role);
        for (const path of paths) found.push(...(await violations(page, path)));
        expect(h.consoleErrors(page)).toEqual([]);
      }
      expect(found).toEqual([]);
    }, 120_000);
  }
});
