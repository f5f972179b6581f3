// Vitest globalSetup: the web console is built (web/dist) before any test serves it, when missing or stale.
import { buildConsole } from '../../scripts/build-console.ts';

export default async function setup(): Promise<void> {
  await buildConsole();
}
