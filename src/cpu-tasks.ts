/** The CPU-heavy, pure tasks the platform runs on its CPU pool (or inline). */
import { readMessageTask } from './modules/declarations/index.ts';
import { readReceipt } from './modules/receipts/index.ts';
import { signMessageTask } from './modules/signatures/index.ts';

export const CPU_TASKS = {
  readMessage: readMessageTask,
  readReceipt,
  signMessage: signMessageTask,
};
