/** Worker entry for the CPU pool's own tests. */
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../../src/platform/cpu-pool.ts';
import { AppError } from '../../src/platform/errors.ts';

serveTasks(parentPort!, {
  echo: (x: string) => x,
  refuse: () => {
    throw new AppError('INVALID_REQUEST', 'no', [{ path: 'x', rule: 'r', expected: 'e', actual: 'a' }]);
  },
  die: () => process.exit(3),
});
