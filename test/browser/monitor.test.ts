/** 统计监测 and 系统状态 in a real browser: live figures without a reload, charts drawn, the public status page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { distinctColours, openConsole, type ConsoleHarness } from './support.ts';

/** The number a stat tile shows (digits only: 1,234 → 1234). */
const tileNumber = async (page: Page, testId: string) => Number(((await page.getByTestId(testId).locator('.stat-value').textContent()) ?? '').replace(/[^\d]/g, '') || NaN);

/** Distinct colours of a chart's canvas, read in the page. */
const canvasColours = (page: Page, testId: string) =>
  page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !canvas.width || !canvas.height) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 16) seen.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
    return seen.size;
  }, testId);

describe('statistics pages (Chromium)', () => {
  let h: ConsoleHarness;
  let seed = 77_000;
  beforeAll(async () => {
    h = await openConsole();
  }, 120_000);
  afterAll(async () => h?.close());

  const send = async (role: 'ebp' | 'payment' | 'logistics' | 'agent', xml: string) => {
    const res = await h.p.request('POST', '/api/v1/messages', { key: h.p.key(role), body: xml });
    expect(res.status, res.text).toBe(202);
  };

  it('shows customs the figures live: the declarations tile moves without a reload, the charts are drawn', async () => {
    const page = await h.newPage();
    await h.login(page, 'customs');
    await page.goto('/monitor');
    await expect.poll(() => page.getByTestId('live').getAttribute('data-live'), { timeout: 15_000 }).toBe('true');
    const before = await tileNumber(page, 'stat-declarations');
    expect(Number.isFinite(before)).toBe(true);
    // A reload would lose this mark.
    await page.evaluate(() => ((window as unknown as { mark: number }).mark = 42));

    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, lines: 2 });
    await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await send('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment));
    await send('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    await send('agent', wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent));

    await expect.poll(() => tileNumber(page, 'stat-declarations'), { timeout: 15_000 }).toBe(before + 4);
    expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(42);
    // The inventory's value and its mode; customs' first answers give a latency.
    await expect.poll(() => tileNumber(page, 'stat-value'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await page.getByTestId('stat-p50').locator('.stat-value').textContent()) ?? '', { timeout: 15_000 }).toMatch(/\d+ 毫秒/);
    for (const chart of ['chart-over-time', 'chart-mode', 'chart-direction', 'chart-origins', 'chart-hs']) {
      await expect.poll(() => canvasColours(page, chart), { timeout: 10_000, message: chart }).toBeGreaterThan(3);
      expect(await page.getByTestId(chart).getAttribute('aria-label'), chart).toBeTruthy();
    }
    const shot = await page.screenshot({ fullPage: true });
    expect(distinctColours(shot)).toBeGreaterThan(50);
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('switches the period by keyboard, in English, and fits a narrow screen', async () => {
    const page = await h.newPage({ width: 375, height: 800, lang: 'en' });
    await h.login(page, 'commerce');
    await page.goto('/monitor');
    await expect.poll(() => page.getByTestId('live').textContent(), { timeout: 15_000 }).toContain('Live');
    await page.getByTestId('window-7d').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('window-7d').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('live').getAttribute('data-live'), { timeout: 15_000 }).toBe('true');
    expect(await page.getByTestId('stat-declarations').locator('.stat-label').textContent()).toBe('Declarations (records)');
    await expect.poll(() => canvasColours(page, 'chart-over-time'), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('keeps the monitor from an e-commerce platform', async () => {
    const page = await h.newPage();
    await h.login(page, 'ebp');
    expect(await page.getByRole('link', { name: '统计监测' }).count()).toBe(0);
    await page.goto('/monitor');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('无权访问');
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('serves the status page without logging in, and refreshes it', async () => {
    const page = await h.newPage();
    await page.goto('/status');
    await expect.poll(() => page.locator('h1').textContent()).toBe('系统状态');
    expect(new URL(page.url()).pathname).toBe('/status');
    await expect.poll(() => tileNumber(page, 'status-last-hour'), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('per-minute').getAttribute('aria-label')).toMatch(/最近一分钟/);
    expect(await page.getByTestId('status-database').locator('.stat-value').textContent()).toContain('SQLite');
    // A new declaration shows within a refresh or two.
    const before = await tileNumber(page, 'status-last-hour');
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await expect.poll(() => tileNumber(page, 'status-last-hour'), { timeout: 15_000 }).toBe(before + 1);
    expect(h.consoleErrors(page)).toEqual([]);
  });
});
