/** Generated documentation stays true to the field tables. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('docs/messages.md matches the field tables', () => {
  const root = path.resolve(import.meta.dirname, '..');
  expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-message-docs.ts', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
});
