/** Entry of a CPU-pool worker thread. */
import { parentPort } from 'node:worker_threads';
import { serveTasks } from './platform/cpu-pool.ts';
import { CPU_TASKS } from './cpu-tasks.ts';

serveTasks(parentPort!, CPU_TASKS);
