/** Messages between the platform and the sandbox customs worker. */
import type { OutboundMessage } from '../transport.ts';
import type { ScenarioRule } from './scenarios.ts';

export interface WorkerConfig {
  databaseUrl?: string;
  dataDir: string;
  delayMs: number;
  scenariosFile?: string;
  /** The rules in force when the worker starts (they replace the file's). */
  rules?: readonly ScenarioRule[];
  pollMs?: number;
}

export type ToWorker =
  | { kind: 'send'; id: number; message: OutboundMessage }
  | { kind: 'start' }
  /** Per payload of the batch: null when stored, else the error and whether it is final (the platform refuses it). */
  | { kind: 'delivered'; batchId: number; results: Array<{ error: string; refused: boolean } | null> }
  | { kind: 'scenarios'; rules: readonly ScenarioRule[] }
  | { kind: 'stop' };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'sent'; id: number; error: string | null }
  | { kind: 'deliver'; batchId: number; payloads: string[] }
  | { kind: 'log'; level: 'warn' | 'error'; msg: string; obj: Record<string, unknown> }
  | { kind: 'stopped' };
