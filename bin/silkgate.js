#!/usr/bin/env node
// Launcher of the `silkgate` command line: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
