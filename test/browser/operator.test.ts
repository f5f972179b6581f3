/** The operator's pages in a real browser: the filing queue and a decision, the tariff tables, the sandbox scenarios. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import { openConsole, type ConsoleHarness } from './support.ts';

/** A filing as an applicant sends it (public POST /api/v1/filings). */
function filing(n: number) {
  const uscc17 = `91330100MA2K${String(n).padStart(5, '0')}`;
  return {
    code: `33019${String(n).padStart(5, '0')}`,
    name: `杭州浏览器测试跨境电商有限公司${n}`,
    uscc: uscc17 + usccCheckChar(uscc17),
    dxpId: `DXPENT${String(n).padStart(10, '0')}`,
    roles: ['ebc'],
    contacts: [{ name: '陈静', phone: '0571-86001234', email: `filing${n}@example.com`, role: '业务联系人' }],
  };
}

describe('operator pages (Chromium)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await openConsole();
  }, 120_000);
  afterAll(async () => h?.close());

  it('lists a pending filing first; approving it changes its status', async () => {
    const f = filing(4242);
    const applied = await h.p.request('POST', '/api/v1/filings', { body: JSON.stringify(f), type: 'application/json' });
    expect(applied.status, applied.text).toBe(201);

    const page = await h.newPage();
    await h.login(page, 'operator');
    await page.goto('/operator');
    await page.waitForURL(/\/operator\/filings$/);
    const row = page.getByTestId(`filing-${f.code}`);
    await expect.poll(() => row.textContent()).toContain('待审核');
    await row.getByRole('link', { name: f.name }).click();
    await expect.poll(() => page.getByTestId('filing-detail').textContent()).toContain(f.uscc);
    // A pending filing may be approved or rejected; rejecting needs a reason, asked for before anything is sent.
    expect(await page.getByTestId('decide-suspend').count()).toBe(0);
    await page.getByTestId('decide-reject').click();
    await expect.poll(() => page.locator('#reason-missing').textContent()).toContain('必填');
    await page.getByTestId('decide-approve').click();
    await expect.poll(() => page.getByTestId('review-done').textContent()).toContain('已通过');
    await expect.poll(() => page.getByTestId('filing-history').textContent()).toContain('审核通过');
    // Now approved: it may be suspended or revoked, no longer approved again.
    await expect.poll(() => page.getByTestId('decide-suspend').count()).toBe(1);
    expect(await page.getByTestId('decide-approve').count()).toBe(0);
    const shown = (await h.p.request('GET', '/api/v1/enterprises?status=approved&limit=500', { key: h.p.key('operator') })).json() as { enterprises: Array<{ code: string }> };
    expect(shown.enterprises.map((e) => e.code)).toContain(f.code);

    // The queue of pending filings no longer has it; all filings show it approved.
    await page.getByRole('link', { name: '返回审核队列' }).click();
    await expect.poll(() => page.getByTestId(`filing-${f.code}`).count()).toBe(0);
    await page.getByTestId('filing-status-filter').selectOption('');
    await expect.poll(() => page.getByTestId(`filing-${f.code}`).textContent()).toContain('已通过');
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('says so clearly when the filing changed after it was opened (409), and reloads it', async () => {
    const f = filing(4243);
    const applied = await h.p.request('POST', '/api/v1/filings', { body: JSON.stringify(f), type: 'application/json' });
    expect(applied.status, applied.text).toBe(201);
    const id = (applied.json() as { enterprise: { id: number } }).enterprise.id;
    const page = await h.newPage();
    await h.login(page, 'operator');
    await page.goto(`/operator/filings/${id}`);
    await page.getByTestId('decide-reject').waitFor();
    // Meanwhile someone else approves it.
    const other = await fetch(`${h.p.url}/api/v1/enterprises/${id}/review`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.p.key('operator')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(other.status).toBe(200);
    await page.getByTestId('review-reason').fill('营业执照已过期');
    await page.getByTestId('decide-reject').click();
    await expect.poll(() => page.locator('.error-note').first().textContent()).toContain('重新加载');
    await page.getByRole('button', { name: '重新加载' }).click();
    await expect.poll(() => page.getByTestId('filing-detail').textContent()).toContain('已通过');
    expect(await page.getByTestId('decide-reject').count()).toBe(0);
    expect(h.consoleErrors(page).filter((e) => !e.includes('409'))).toEqual([]);
  });

  it('shows the tax rates with search and export, and the positive list', async () => {
    const page = await h.newPage({ lang: 'en' });
    await h.login(page, 'operator');
    await page.goto('/operator');
    await page.getByRole('link', { name: 'Tax rates' }).click();
    await page.waitForURL(/\/operator\/rates$/);
    const table = page.getByTestId('tariff-rates');
    await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(5);
    await page.getByTestId('tariff-search').fill('4901');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').textContent()).toContain('9');
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('tariff-export').click()]);
    expect(saved.suggestedFilename()).toBe('rates.csv');
    expect(fs.readFileSync((await saved.path())!, 'utf8').replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('hs_prefix,vat,consumption,duty,note');

    await page.getByRole('link', { name: 'Positive list' }).click();
    await expect.poll(() => page.getByTestId('tariff-positive').locator('tbody tr').count()).toBeGreaterThan(10);
    // A refused import lists its faults by row; nothing changes.
    await page.getByTestId('tariff-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('hs_prefix,name,note\n12AB,奶粉,\n') });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.locator('.error-note').textContent()).toContain('row 2.hs_prefix');
    expect(h.consoleErrors(page).filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('imports sandbox scenario rules, naming the fault of a bad file', async () => {
    const page = await h.newPage({ width: 375, height: 740 });
    await h.login(page, 'operator');
    await page.goto('/operator/sandbox');
    await page.getByTestId('scenarios-empty').waitFor();
    await page.getByTestId('scenarios-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('[{"match":{"field":"orderNo","prefix":"VIP"},"scenario":"revew"}]') });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await expect.poll(() => page.locator('.error-note').textContent()).toContain('rule 1.scenario');
    await page.getByTestId('scenarios-file').setInputFiles({ name: 'rules.json', mimeType: 'application/json', buffer: Buffer.from('[{"match":{"field":"orderNo","prefix":"VIP","messageType":"CEB311Message"},"scenario":"review"}]') });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await expect.poll(() => page.getByTestId('scenarios-replaced').textContent()).toContain('1');
    await expect.poll(() => page.getByTestId('scenarios-table').textContent()).toContain('人工审核');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const rules = (await h.p.request('GET', '/api/v1/sandbox/scenarios', { key: h.p.key('operator') })).json();
    expect(rules).toEqual([{ match: { field: 'orderNo', prefix: 'VIP', messageType: 'CEB311Message' }, scenario: 'review' }]);
    expect(h.consoleErrors(page).filter((e) => !e.includes('400'))).toEqual([]);
  });
});
