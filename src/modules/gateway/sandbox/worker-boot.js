// Plain-JS entry of the sandbox customs worker: registers the TypeScript loader in this thread.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
