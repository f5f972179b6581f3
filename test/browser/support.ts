/**
 * The console in a real browser: a platform started in-process (SQLite, sandbox customs, demo
 * zone) serving the built console, and Debian's Chromium driven by playwright-core (no browser
 * download). Every page records console errors and uncaught exceptions, so a test can assert none.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { startPlatform, type Platform } from '../support/platform.ts';
import type { DemoCredential } from '../../src/modules/enterprises/index.ts';

export const CHROMIUM = process.env.SILKGATE_CHROMIUM || '/usr/bin/chromium';

export interface ConsoleHarness {
  p: Platform;
  browser: Browser;
  /** A page in a fresh context (its own cookies), 1280×800 unless told otherwise. */
  newPage(opts?: { width?: number; height?: number; lang?: 'zh-CN' | 'en'; bypassCsp?: boolean }): Promise<Page>;
  /** Logs the page in as the demo account of that role, through the login form. */
  login(page: Page, role: DemoCredential['role']): Promise<void>;
  /** Console errors and uncaught exceptions the page has met so far. */
  consoleErrors(page: Page): string[];
  close(): Promise<void>;
}

export async function openConsole(env: Record<string, string> = {}): Promise<ConsoleHarness> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set SILKGATE_CHROMIUM`);
  }
  const p = await startPlatform('sqlite', env);
  let browser: Browser;
  try {
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  } catch (err) {
    await p.close();
    throw err;
  }
  const errors = new WeakMap<Page, string[]>();
  const contexts: BrowserContext[] = [];
  return {
    p,
    browser,
    async newPage(opts = {}) {
      // bypassCsp only lets a test inject its own tools (axe-core); the pages never need it.
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, baseURL: p.url, locale: opts.lang ?? 'zh-CN', bypassCSP: !!opts.bypassCsp });
      contexts.push(context);
      if (opts.lang) await context.addInitScript((lang) => localStorage.setItem('silkgate.lang', lang), opts.lang);
      const page = await context.newPage();
      const list: string[] = [];
      errors.set(page, list);
      page.on('console', (m) => {
        if (m.type() === 'error') list.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => list.push(`uncaught: ${e.message}`));
      return page;
    },
    async login(page, role) {
      const c = p.creds.find((x) => x.role === role);
      if (!c?.username || !c.password) throw new Error(`no demo console account for role ${role}`);
      await page.goto('/login');
      await page.getByLabel(/用户名|User name/).fill(c.username);
      await page.getByLabel(/^(密码|Password)$/).fill(c.password);
      await page.getByRole('button', { name: /^(登录|Log in)$/ }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    },
    consoleErrors: (page) => errors.get(page) ?? [],
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await p.close();
    },
  };
}

/** Distinct colours of a PNG screenshot: a blank or single-colour image has one or two. */
export function distinctColours(png: Buffer): number {
  const img = PNG.sync.read(png);
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4) {
    seen.add(((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]) >>> 0);
    if (seen.size > 10_000) break;
  }
  return seen.size;
}
