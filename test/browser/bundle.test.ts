/**
 * The console's first load carries the shell only: each page is its own chunk, and the heavy
 * parts — ECharts, the world map with its atlas — come only with the pages that draw them.
 * Reads the build the platform serves (web/dist, built before the tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../src/platform/console.ts';

const assets = path.join(CONSOLE_DIST, 'assets');
const read = (file: string) => fs.readFileSync(path.join(assets, file), 'utf8');
const files = () => fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
/** A chunk holding ECharts sets this attribute on every chart's element; one holding the world atlas names its countries. */
const ECHARTS = '_echarts_instance_';
const ATLAS = 'Antarctica';

describe('console bundle', () => {
  const html = fs.readFileSync(path.join(CONSOLE_DIST, 'index.html'), 'utf8');
  const entry = /<script type="module" crossorigin src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];

  it('has one entry script, with neither the charts nor the map in it', () => {
    expect(entry).toBeDefined();
    const code = read(entry!);
    // Booleans, not the code: a failure must not print a quarter of a megabyte.
    expect(code.includes(ECHARTS), 'ECharts in the entry chunk').toBe(false);
    expect(code.includes(ATLAS), 'the world atlas in the entry chunk').toBe(false);
    expect(code.includes('react-stack-top-frame'), "React's development build in the entry chunk").toBe(false);
    // Small enough for a first load over a zone's office network: React, the router, the shell.
    expect(zlib.gzipSync(code).length).toBeLessThan(120 * 1024);
  });

  it('loads every page as its own chunk, and the charts and the map as theirs', () => {
    const code = read(entry!);
    for (const page of ['WorkbenchPage', 'SettingsPage', 'MonitorPage', 'StatusPage', 'WarehousesPage', 'OperatorPage']) {
      expect(files().some((f) => f.startsWith(`${page}-`)), page).toBe(true);
      expect(new RegExp(`${page}-[\\w-]+\\.js`).test(code), `${page} loaded from the entry`).toBe(true);
    }
    const withCharts = files().filter((f) => read(f).includes(ECHARTS));
    const withAtlas = files().filter((f) => read(f).includes(ATLAS));
    expect(withCharts).toHaveLength(1);
    expect(withAtlas).toHaveLength(1);
    // The warehouse directory page itself does not carry the map: it is loaded after the list.
    expect(withAtlas[0]).not.toMatch(/^WarehousesPage-/);
    expect(withCharts[0]).not.toMatch(/^(MonitorPage|StatusPage)-/);
  });
});
