// Plain-JS entry of every worker thread: registers the TypeScript loader in this thread, then
// imports the worker's module (workerData.entry), whatever started the platform.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
