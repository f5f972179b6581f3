/** The overseas-warehouse directory and its world map in a real browser: public, keyboard-reachable, and kept by its overseas-warehouse enterprise. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, DEMO_WAREHOUSES } from '../../src/modules/warehouses/index.ts';
import { distinctColours, openConsole, type ConsoleHarness } from './support.ts';

describe('overseas-warehouse directory (Chromium)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await openConsole();
  }, 120_000);
  afterAll(async () => h?.close());

  it('shows the directory and a drawn world map without logging in; a dot opens its entry', async () => {
    const page = await h.newPage();
    await page.goto('/warehouses');
    await expect.poll(() => page.getByTestId('warehouse-count').textContent()).toBe(`共 ${DEMO_WAREHOUSES.length} 个海外仓`);
    expect(await page.getByTestId('warehouse-list').locator('tbody tr').count()).toBe(DEMO_WAREHOUSES.length);
    // The map comes in its own chunk, after the list: seven dots, over a world of country shapes.
    const map = page.getByTestId('warehouse-map');
    await map.waitFor();
    await expect.poll(() => page.getByTestId('warehouse-dot').count()).toBe(DEMO_WAREHOUSES.length);
    expect(await map.locator('path.land').count()).toBeGreaterThan(100);
    // Drawn for real: a picture of land, sea and dots has many colours; an empty SVG box has one.
    expect(distinctColours(await map.screenshot())).toBeGreaterThan(20);
    // The biggest warehouse has the biggest dot (area by a square-root scale).
    const radii = await page.getByTestId('warehouse-dot').evaluateAll((els) => els.map((e) => ({ r: Number(e.getAttribute('r')), label: e.parentElement!.getAttribute('aria-label')! })));
    const biggest = [...DEMO_WAREHOUSES].sort((a, b) => b.areaM2 - a.areaM2)[0];
    expect(radii.sort((a, b) => b.r - a.r)[0].label).toContain(biggest.name);

    // Each dot is a link the keyboard reaches, named by warehouse and city.
    const sydney = DEMO_WAREHOUSES.find((w) => w.city === 'Sydney')!;
    const dot = page.getByRole('link', { name: `${sydney.name}，${sydney.city}` });
    await dot.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/warehouses\/\d+$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe(sydney.name);
    await expect.poll(() => page.getByTestId('warehouse-detail').textContent()).toContain(sydney.address);

    // By mouse too, from the directory.
    await page.goto('/warehouses');
    const duisburg = DEMO_WAREHOUSES.find((w) => w.city === 'Duisburg')!;
    await page.getByRole('link', { name: `${duisburg.name}，${duisburg.city}` }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(duisburg.name);
    expect(await page.getByTestId('warehouse-detail').textContent()).toContain('德国');
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('filters the list and the map together', async () => {
    const page = await h.newPage({ lang: 'en' });
    await page.goto('/warehouses');
    await expect.poll(() => page.getByTestId('warehouse-dot').count()).toBe(DEMO_WAREHOUSES.length);
    await page.getByTestId('filter-country').selectOption('502');
    const us = DEMO_WAREHOUSES.filter((w) => w.country === '502').length;
    await expect.poll(() => page.getByTestId('warehouse-count').textContent()).toBe(`${us} warehouses`);
    await expect.poll(() => page.getByTestId('warehouse-dot').count()).toBe(us);
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('fits a narrow screen', async () => {
    const page = await h.newPage({ width: 375, height: 740 });
    await page.goto('/warehouses');
    await expect.poll(() => page.getByTestId('warehouse-dot').count()).toBe(DEMO_WAREHOUSES.length);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const box = await page.getByTestId('warehouse-map').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(375);
    expect(box!.width).toBeGreaterThan(250);
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('lets the overseas-warehouse enterprise import a CSV, naming each fault of a bad one, and shows the new entries', async () => {
    const page = await h.newPage();
    await h.login(page, 'overseas');
    await page.goto('/warehouses');
    await page.getByRole('link', { name: '导入 CSV' }).click();
    await page.waitForURL(/\/warehouses\/import$/);
    // The template's header is the API's.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('warehouse-template').click()]);
    expect(saved.suggestedFilename()).toBe('overseas-warehouses-template.csv');
    const template = fs.readFileSync((await saved.path())!, 'utf8');
    expect(template.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));

    const header = CSV_COLUMNS.join(',');
    const bad = `${header}\n浏览器测试仓 Reno,502,Reno,1 Test Way,95,-119.8,5000,storage,Amazon,yes,Ann,+1-775-555-0101,reno@example.com\n`;
    await page.getByTestId('warehouse-csv').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await expect.poll(() => page.locator('.error-note').textContent()).toContain('line 2.latitude');

    const good =
      `${header}\n` +
      '浏览器测试仓 Reno,502,Reno,"1 Test Way, Reno, NV",39.5296,-119.8138,5000,storage|returns,Amazon|eBay,yes,Ann,+1-775-555-0101,reno@example.com\n' +
      '浏览器测试仓 Lyon,305,Lyon,2 Rue de Test,45.764,4.8357,3000,storage,Cdiscount,no,Luc,+33-4-0000-0000,lyon@example.com\n';
    const file = `${h.p.dataDir}/warehouses.csv`;
    fs.writeFileSync(file, good);
    await page.getByTestId('warehouse-csv').setInputFiles(file);
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await expect.poll(() => page.getByTestId('warehouse-imported').textContent()).toContain('新增 2 个，更新 0 个');
    await page.getByRole('link', { name: '查看名录' }).click();
    await expect.poll(() => page.getByTestId('warehouse-count').textContent()).toBe(`共 ${DEMO_WAREHOUSES.length + 2} 个海外仓`);
    await expect.poll(() => page.getByTestId('warehouse-dot').count()).toBe(DEMO_WAREHOUSES.length + 2);
    await page.getByRole('link', { name: '浏览器测试仓 Lyon', exact: true }).click();
    await expect.poll(() => page.getByTestId('warehouse-detail').textContent()).toContain('不可承接 9810');
    // Its keeper may edit it: a bad e-mail comes back by the field.
    await page.getByRole('link', { name: '编辑' }).click();
    await page.getByLabel('联系邮箱').fill('not-an-address@x');
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('#wh-contactEmail-issue').textContent()).toContain('e-mail');
    expect(await page.getByLabel('联系邮箱').getAttribute('aria-invalid')).toBe('true');
    // The refusals answer 400, which the browser reports; nothing else may go wrong.
    expect(h.consoleErrors(page).filter((e) => !e.includes('400'))).toEqual([]);
  });
});
