/**
 * The workbench and settings in a real browser: an inventory submitted through the console
 * (signed with the platform-held key) whose receipts arrive on its open detail page without a
 * reload, a refused submission shown field by field, a customs rejection corrected and declared
 * again from the detail page, the list found by number, and an API key and a webhook made and
 * taken back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Flow } from '../../src/demo/flows.ts';
import { arrivalList } from '../../src/demo/arrival.ts';
import { openConsole, type ConsoleHarness } from './support.ts';

const head = (f: Flow) => f.inventory.InventoryHead as Record<string, string>;
/** A refused submission answers 409, which Chromium reports on the console; nothing else may go wrong. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 409/.test(e));

describe('workbench (Chromium)', { timeout: 60_000 }, () => {
  let h: ConsoleHarness;
  let seed = 6100;
  let page: Page;

  /** The order, payment and waybill of a flow, sent by their enterprises over the API. */
  const documents = async (f: Flow) => {
    for (const [role, xml] of [
      ['ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp)],
      ['payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment)],
      ['logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics)],
    ] as const) {
      const res = await h.p.request('POST', '/api/v1/messages', { key: h.p.key(role), body: xml });
      expect(res.status, res.text).toBe(202);
    }
  };
  /** Pastes one message into the submit form and sends it; answers the result row. */
  const submit = async (xml: string) => {
    await page.getByTestId('tab-submit').click();
    await page.getByTestId('submit-text').fill(xml);
    await page.getByTestId('submit-send').click();
    const result = page.getByTestId('submit-result').first();
    await result.waitFor();
    return result;
  };
  const receipt = (status: string, type = 'CEB622Message') => page.locator(`[data-testid="receipt"][data-status="${status}"][data-type="${type}"]`);

  beforeAll(async () => {
    h = await openConsole();
    page = await h.newPage();
    await h.login(page, 'agent');
  }, 120_000);
  afterAll(async () => h?.close());

  it('submits a signed inventory and shows its receipts arriving without a reload', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await documents(f);
    await page.goto('/workbench');
    // Unsigned: the console has the platform sign it with the agent's key.
    const result = await submit(wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent, undefined, null));
    expect(await result.getAttribute('data-outcome')).toBe('accepted');
    await expect.poll(() => page.getByTestId('submit-progress').textContent()).toMatch(/1 \/ 1/);
    await result.getByTestId('submit-detail').click();
    await page.getByTestId('message-detail').waitFor();
    // Customs takes the inventory in (120) and holds it until the parcel arrives.
    await expect.poll(() => receipt('120').count(), { timeout: 15_000 }).toBe(1);
    expect(await receipt('800').count()).toBe(0);
    const loaded = await page.evaluate(() => performance.timeOrigin);
    // The supervision site reports the parcel arrived: customs releases it.
    const arrival = await h.p.request('POST', '/api/v1/messages', { key: h.p.key('warehouse'), body: arrivalList(DEMO_PARTIES.warehouse, head(f), [f.logisticsNo]) });
    expect(arrival.status, arrival.text).toBe(202);
    await expect.poll(() => receipt('800').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => receipt('800').locator('strong').textContent()).toBe('800 放行');
    await expect.poll(() => page.getByTestId('record').first().getAttribute('data-status'), { timeout: 15_000 }).toMatch(/released|closed/);
    // The same document: no navigation happened.
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded);
    expect(await page.getByTestId('timeline').locator('li.ok').count()).toBeGreaterThanOrEqual(2);

    // The list finds it by its copNo and links to the detail.
    await page.getByTestId('tab-list').click();
    await page.getByTestId('list-q').fill(f.copNo);
    await page.getByTestId('list-search').click();
    await expect.poll(() => page.getByTestId('declaration-row').count()).toBe(1);
    expect(page.url()).toContain(`q=${f.copNo}`);
    await page.getByTestId('declaration-row').getByRole('link').click();
    await page.getByTestId('message-detail').waitFor();
    expect(unexpected(h.consoleErrors(page))).toEqual([]);
  });

  it('shows a refused submission field by field', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await documents(f);
    await page.goto('/workbench/submit');
    const first = await submit(wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent, undefined, null));
    expect(await first.getAttribute('data-outcome')).toBe('accepted');
    // A second inventory for the same order, as a file: the platform refuses it (-621004) naming the field.
    const again = { ...f.inventory, InventoryHead: { ...head(f), guid: crypto.randomUUID().toUpperCase(), copNo: `${f.copNo.slice(0, -1)}9` } };
    await page.getByTestId('submit-text').fill('');
    await page.getByTestId('submit-files').setInputFiles({ name: 'inventory-again.xml', mimeType: 'application/xml', buffer: Buffer.from(wrapMessage('CEB621Message', [again], DEMO_PARTIES.agent, undefined, null)) });
    await page.getByTestId('submit-send').click();
    const refused = page.locator('[data-testid="submit-result"][data-outcome="refused"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('inventory-again.xml');
    const note = refused.locator('.error-note');
    await expect.poll(() => note.textContent()).toContain('-621004');
    expect(await note.locator('td code').first().textContent()).toBe('CEB621Message.Inventory[0].InventoryHead.orderNo');
    expect(await note.locator('tbody td').nth(3).textContent()).toBe(f.orderNo);
    expect(unexpected(h.consoleErrors(page))).toEqual([]);
  });

  it('explains a customs rejection and declares the corrected message again', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    const copNo = head(f).copNo;
    // The sandbox customs rejects an inventory whose copNo starts with REJECT.
    const rejected = { ...f.inventory, InventoryHead: { ...head(f), copNo: `REJECT${copNo.slice(6)}` } };
    await documents(f);
    await page.goto('/workbench');
    const result = await submit(wrapMessage('CEB621Message', [rejected], DEMO_PARTIES.agent, undefined, null));
    await result.getByTestId('submit-detail').click();
    await expect.poll(() => receipt('100').count(), { timeout: 15_000 }).toBe(1);
    const why = page.getByTestId('rejection');
    await why.waitFor();
    expect(await why.textContent()).toContain('订购人身份信息校验不通过');
    expect(await why.getByTestId('fix-hint').first().textContent()).toContain('新的 guid');
    // Correct and declare again: the stored bytes, new guids, no old signature.
    await page.getByTestId('resubmit').click();
    await page.getByTestId('resubmit-note').waitFor();
    await expect.poll(() => page.getByTestId('submit-text').inputValue()).toContain(`REJECT${copNo.slice(6)}`);
    const text = await page.getByTestId('submit-text').inputValue();
    expect(text).not.toContain('Signature');
    expect(text).not.toContain(head(f).guid);
    await page.getByTestId('submit-text').fill(text.replace(`REJECT${copNo.slice(6)}`, copNo));
    await page.getByTestId('submit-send').click();
    const accepted = page.locator('[data-testid="submit-result"][data-outcome="accepted"]');
    await accepted.waitFor();
    await accepted.getByTestId('submit-detail').click();
    await expect.poll(() => receipt('120').count(), { timeout: 15_000 }).toBe(1);
    expect(unexpected(h.consoleErrors(page))).toEqual([]);
  });

  it('creates an API key shown once, which works until it is revoked', async () => {
    await page.goto('/settings');
    await page.getByTestId('key-label').fill('ERP 对接');
    await page.getByTestId('key-scope-manage').uncheck();
    await page.getByTestId('key-create').click();
    const secret = await page.getByTestId('key-secret-value').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect((await h.p.request('GET', '/api/v1/declarations?limit=1', { key: secret })).status).toBe(200);
    const row = page.locator(`[data-testid="key-row"][data-prefix="${secret.slice(0, 10)}"]`);
    await expect.poll(() => row.getAttribute('data-state')).toBe('active');
    expect(await row.textContent()).toContain('declare, read');
    await page.getByRole('button', { name: /我已保存/ }).click();
    expect(await page.getByTestId('key-secret').count()).toBe(0);
    await row.getByTestId('key-revoke').click();
    await row.getByTestId('key-revoke-confirm').click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('revoked');
    expect((await h.p.request('GET', '/api/v1/declarations?limit=1', { key: secret })).status).toBe(401);

    // A webhook: its signing secret once, then deleted.
    await page.getByTestId('tab-webhooks').click();
    await page.getByTestId('hook-url').fill('https://erp.example.com/silkgate');
    await page.getByTestId('hook-add').click();
    expect((await page.getByTestId('hook-secret-value').inputValue()).length).toBeGreaterThan(20);
    const hook = page.getByTestId('hook-row').filter({ hasText: 'erp.example.com' });
    await expect.poll(() => hook.getAttribute('data-active')).toBe('true');
    await hook.getByRole('button', { name: '删除' }).click();
    await hook.getByRole('button', { name: '确认删除该回调？' }).click();
    await expect.poll(() => hook.getAttribute('data-active')).toBe('false');
    expect(unexpected(h.consoleErrors(page))).toEqual([]);
  });

  it('fits a narrow screen', async () => {
    const narrow = await h.newPage({ width: 375, height: 740 });
    await h.login(narrow, 'agent');
    const [first] = ((await h.p.request('GET', '/api/v1/declarations?limit=1', { key: h.p.key('agent') })).json() as { items: Array<{ messageId: number }> }).items;
    for (const path of ['/workbench', '/workbench/submit', `/workbench/messages/${first.messageId}`, '/settings', '/settings/webhooks']) {
      await narrow.goto(path);
      await narrow.locator('h1').waitFor();
      if (path.includes('/messages/')) await narrow.getByTestId('message-detail').waitFor();
      expect(await narrow.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
    }
    expect(h.consoleErrors(narrow)).toEqual([]);
  });
});
