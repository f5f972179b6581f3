/**
 * Builds the web console into web/dist when it is missing or older than its sources
 * (`--force`: always). `npm start` runs it first, so a fresh clone serves the console.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as Vite from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const web = path.join(root, 'web');
const marker = path.join(web, 'dist', 'index.html');

function newest(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

export function consoleStale(): boolean {
  if (!fs.existsSync(marker)) return true;
  const built = fs.statSync(marker).mtimeMs;
  const sources = [path.join(web, 'src'), path.join(web, 'index.html'), path.join(web, 'vite.config.ts'), path.join(root, 'package-lock.json')];
  return sources.some((s) => fs.existsSync(s) && newest(s) > built);
}

export async function buildConsole(force = false): Promise<boolean> {
  if (!force && !consoleStale()) return false;
  // A production build whatever the caller's NODE_ENV (vitest sets `test`, which would bundle
  // React's development build); Vite reads it when it is loaded, so it is set before the import.
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    let vite: typeof Vite;
    try {
      vite = await import('vite');
    } catch {
      if (fs.existsSync(marker)) return false; // an install without dev tools serves the build it has
      throw new Error('vite is not installed: run `npm install` to build the web console');
    }
    await vite.build({ configFile: path.join(web, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  buildConsole(process.argv.includes('--force')).then(
    (did) => did && console.log(`web console built in ${((Date.now() - started) / 1000).toFixed(1)} s → web/dist`),
    (err: unknown) => {
      console.error(`silkgate: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
