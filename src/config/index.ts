/**
 * The only reader of process.env. Fails fast with a message that names the variable.
 */
import os from 'node:os';
import { UNCONFIRMED, type RuleId } from '../modules/clearance/index.ts';
import path from 'node:path';

export type TransportKind = 'sandbox' | 'folder' | 'http' | 'amqp';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… for PostgreSQL; unset or sqlite:<file> for the embedded database. */
  databaseUrl?: string;
  transport: TransportKind;
  /** Forward accepted messages to customs (off only for pure ingest measurements). */
  forwarding: boolean;
  maxBodyBytes: number;
  /** Worker threads parsing and validating XML off the HTTP loop (0: in the HTTP thread). */
  cpuThreads: number;
  /** How long a small group commit waits for more messages, ms (0: commit at the next turn). */
  commitLingerMs: number;
  logLevel: string;
  demo: boolean;
  folder: { outDir: string; inDir: string };
  httpTransport: { url?: string };
  /** Shared secret with customs: bearer token of POST /api/v1/customs/receipts and of the HTTP transport's POSTs. */
  customsToken?: string;
  amqp: { url?: string; sendQueue: string; receiveQueue: string };
  sandbox: { delayMs: number; scenariosFile?: string };
  clearance: {
    /** How long an inventory waits for its order, payment and waybill before it is refused. */
    deadlineMs: number;
    /** Unconfirmed 三单比对 rules switched off (SILKGATE_RULES_OFF=inventory-buyer,line-amounts). */
    rulesOff: ReadonlySet<RuleId>;
    /** A payment must follow its order (SILKGATE_PAYMENT_NEEDS_ORDER). */
    paymentNeedsOrder: boolean;
    waybillReuseMs: number;
    returnWindowMs: number;
    sweepMs: number;
  };
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|on|yes)$/i.test(raw)) return true;
  if (/^(0|false|off|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function rulesOff(raw: string | undefined): ReadonlySet<RuleId> {
  const ids = (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const bad = ids.filter((x) => !UNCONFIRMED.has(x as RuleId));
  if (bad.length) throw new ConfigError(`SILKGATE_RULES_OFF may name only unconfirmed rules (${[...UNCONFIRMED].join(', ')}), got "${bad.join(', ')}"`);
  return new Set(ids as RuleId[]);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.SILKGATE_DATA_DIR || './data');
  const transport = (env.SILKGATE_TRANSPORT || 'sandbox') as TransportKind;
  if (!['sandbox', 'folder', 'http', 'amqp'].includes(transport)) {
    throw new ConfigError(`SILKGATE_TRANSPORT must be sandbox, folder, http or amqp, got "${transport}"`);
  }
  const databaseUrl = env.SILKGATE_DATABASE_URL || undefined;
  if (databaseUrl && !/^(postgres(ql)?:\/\/|sqlite:)/.test(databaseUrl)) {
    throw new ConfigError(`SILKGATE_DATABASE_URL must start with postgres:// or sqlite:, got "${databaseUrl}"`);
  }
  const cfg: Config = {
    port: int(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl,
    transport,
    forwarding: bool(env, 'SILKGATE_FORWARDING', true),
    maxBodyBytes: int(env, 'SILKGATE_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024),
    cpuThreads: int(env, 'SILKGATE_CPU_THREADS', Math.max(1, os.availableParallelism() - 1)),
    commitLingerMs: int(env, 'SILKGATE_COMMIT_LINGER_MS', 2),
    logLevel: env.SILKGATE_LOG_LEVEL || 'info',
    demo: bool(env, 'SILKGATE_DEMO', true),
    folder: {
      outDir: path.resolve(env.SILKGATE_FOLDER_OUT || path.join(dataDir, 'exchange', 'outbox')),
      inDir: path.resolve(env.SILKGATE_FOLDER_IN || path.join(dataDir, 'exchange', 'inbox')),
    },
    httpTransport: { url: env.SILKGATE_CUSTOMS_URL || undefined },
    customsToken: env.SILKGATE_CUSTOMS_TOKEN || undefined,
    amqp: {
      url: env.SILKGATE_AMQP_URL || undefined,
      sendQueue: env.SILKGATE_AMQP_SEND_QUEUE || 'silkgate.to-customs',
      receiveQueue: env.SILKGATE_AMQP_RECEIVE_QUEUE || 'silkgate.from-customs',
    },
    sandbox: { delayMs: int(env, 'SILKGATE_SANDBOX_DELAY_MS', 200), scenariosFile: env.SILKGATE_SANDBOX_SCENARIOS || undefined },
    clearance: {
      deadlineMs: int(env, 'SILKGATE_MATCH_DEADLINE_MS', 24 * 3600 * 1000, 1),
      rulesOff: rulesOff(env.SILKGATE_RULES_OFF),
      paymentNeedsOrder: bool(env, 'SILKGATE_PAYMENT_NEEDS_ORDER', true),
      waybillReuseMs: 183 * 24 * 3600 * 1000,
      returnWindowMs: int(env, 'SILKGATE_RETURN_WINDOW_DAYS', 30, 1) * 24 * 3600 * 1000,
      sweepMs: int(env, 'SILKGATE_CLEARANCE_SWEEP_MS', 5000, 10),
    },
  };
  if (transport === 'http' && !cfg.httpTransport.url) throw new ConfigError('SILKGATE_TRANSPORT=http needs SILKGATE_CUSTOMS_URL');
  if (transport === 'amqp' && !cfg.amqp.url) throw new ConfigError('SILKGATE_TRANSPORT=amqp needs SILKGATE_AMQP_URL');
  return cfg;
}
