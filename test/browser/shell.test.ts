/** The console's frame in a real browser: log in and out, language switch, narrow screens, errors named. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, type ConsoleHarness } from './support.ts';

describe('console shell (Chromium)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await openConsole();
  }, 120_000);
  afterAll(async () => h?.close());

  it('serves the console at / with a login page in Chinese first, and switches to English', async () => {
    const page = await h.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('登录控制台');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Log in to the console');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    // The choice is kept across a reload.
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Log in to the console');
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('names a wrong password without saying whether the user exists, then logs in and out', async () => {
    const page = await h.newPage();
    await page.goto('/login');
    await page.getByLabel('用户名').fill('demo-ebp');
    await page.getByLabel('密码').fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('用户名或密码不正确');
    await h.login(page, 'ebp');
    await expect.poll(() => page.locator('.who').textContent()).toContain('电商平台');
    await page.getByRole('button', { name: '退出' }).click();
    await expect.poll(() => page.getByRole('link', { name: '登录' }).count()).toBe(1);
    // A failed login answers 401, which the browser reports; nothing else may go wrong.
    expect(h.consoleErrors(page).filter((e) => !e.includes('401'))).toEqual([]);
  });

  it('keeps the frame usable on a narrow screen and by keyboard', async () => {
    const page = await h.newPage({ width: 375, height: 740 });
    await page.goto('/no/such/page');
    await expect.poll(() => page.locator('h1').textContent()).toBe('页面不存在');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    // The first Tab reaches the skip link, which takes focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(h.consoleErrors(page)).toEqual([]);
  });

  it('answers an unknown console path with the console and an unknown API path with JSON', async () => {
    const page = await h.newPage();
    await page.goto('/no/such/page');
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/页面不存在|登录控制台/);
    const api = await h.p.request('GET', '/api/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
