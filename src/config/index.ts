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
  /** Largest qualification document (filing upload), bytes. */
  maxDocumentBytes: number;
  /** Worker threads parsing and validating XML off the HTTP loop (0: in the HTTP thread). */
  cpuThreads: number;
  /** How long a small group commit waits for more messages, ms (0: commit at the next turn). */
  commitLingerMs: number;
  logLevel: string;
  demo: boolean;
  /**
   * Signatures: trust anchors of registered certificates (PEM bundle; the e-port CA) and the
   * key-encryption key of the signing keys the platform holds (32 bytes).
   */
  signatures: { trustedCaFile?: string; keyEncryptionKey?: Buffer };
  /** HTTPS when cert and key are set; client certificates (mTLS) requested when clientCaFile is set. */
  tls: { certFile?: string; keyFile?: string; clientCaFile?: string };
  /** Fastify trustProxy: which peers may set X-Forwarded-For/-Proto (false, true, or an IP/CIDR/`loopback` list). */
  trustProxy: boolean | string;
  /** Requests per window, 0 = no limit (SILKGATE_RATE_LIMIT_*). */
  limits: {
    /** Per credential (API key, session, customs token). */
    perKey: number;
    /** Per client address, for requests without a valid credential. */
    perAddress: number;
    /** POST /api/v1/session (login), per address. */
    login: number;
    /** POST /api/v1/filings (public application), per address. */
    apply: number;
    windowMs: number;
  };
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
  /** Console accounts and sessions. */
  accounts: {
    /** A session unused this long ends (SILKGATE_SESSION_IDLE_MINUTES, 30). */
    sessionIdleMs: number;
    /** A session ends this long after login (SILKGATE_SESSION_MAX_HOURS, 12). */
    sessionMaxMs: number;
    /** Consecutive failed logins that lock an account (SILKGATE_LOCKOUT_FAILURES, 5). */
    lockAfter: number;
    /** How long the lock lasts (SILKGATE_LOCKOUT_SECONDS, 900). */
    lockMs: number;
    /** Mark the session cookie Secure on every answer, not only on HTTPS requests (SILKGATE_COOKIE_SECURE, off). */
    cookieSecure: boolean;
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

function trustProxy(raw: string | undefined): boolean | string {
  // Only a proxy on this host may name the client by default: any other peer could forge X-Forwarded-For.
  if (raw === undefined || raw === '') return 'loopback';
  if (/^(1|true|on|yes|all)$/i.test(raw)) return true;
  if (/^(0|false|off|no|none)$/i.test(raw)) return false;
  return raw;
}

/** 32 bytes as 64 hex digits or base64; the value itself never appears in an error. */
function keyEncryptionKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(v) ? Buffer.from(v, 'base64') : null;
  if (!key || key.length !== 32) {
    throw new ConfigError(`SILKGATE_KEY_ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or 44 base64 characters (make one with: openssl rand -base64 32); got ${v.length} characters that are neither`);
  }
  return key;
}

function tls(env: NodeJS.ProcessEnv): Config['tls'] {
  const file = (name: string) => (env[name] ? path.resolve(env[name]!) : undefined);
  const t = { certFile: file('SILKGATE_TLS_CERT'), keyFile: file('SILKGATE_TLS_KEY'), clientCaFile: file('SILKGATE_TLS_CLIENT_CA') };
  if (!t.certFile !== !t.keyFile) throw new ConfigError('SILKGATE_TLS_CERT and SILKGATE_TLS_KEY go together: set both to serve HTTPS, or neither');
  if (t.clientCaFile && !t.certFile) throw new ConfigError('SILKGATE_TLS_CLIENT_CA needs HTTPS: set SILKGATE_TLS_CERT and SILKGATE_TLS_KEY too');
  return t;
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
    throw new ConfigError(`SILKGATE_DATABASE_URL must start with postgres:// or sqlite:, got "${databaseUrl.replace(/\/\/[^/@]*@/, '//…@')}"`);
  }
  const cfg: Config = {
    port: int(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl,
    transport,
    forwarding: bool(env, 'SILKGATE_FORWARDING', true),
    maxBodyBytes: int(env, 'SILKGATE_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024),
    maxDocumentBytes: int(env, 'SILKGATE_MAX_DOCUMENT_BYTES', 10 * 1024 * 1024, 1024),
    cpuThreads: int(env, 'SILKGATE_CPU_THREADS', Math.max(1, os.availableParallelism() - 1)),
    commitLingerMs: int(env, 'SILKGATE_COMMIT_LINGER_MS', 2),
    logLevel: env.SILKGATE_LOG_LEVEL || 'info',
    demo: bool(env, 'SILKGATE_DEMO', true),
    signatures: {
      trustedCaFile: env.SILKGATE_TRUSTED_CA_FILE ? path.resolve(env.SILKGATE_TRUSTED_CA_FILE) : undefined,
      keyEncryptionKey: keyEncryptionKey(env.SILKGATE_KEY_ENCRYPTION_KEY),
    },
    tls: tls(env),
    trustProxy: trustProxy(env.SILKGATE_TRUST_PROXY),
    limits: {
      perKey: int(env, 'SILKGATE_RATE_LIMIT_PER_KEY', 120_000),
      perAddress: int(env, 'SILKGATE_RATE_LIMIT_PER_ADDRESS', 600),
      login: int(env, 'SILKGATE_RATE_LIMIT_LOGIN', 20),
      apply: int(env, 'SILKGATE_RATE_LIMIT_APPLY', 60),
      windowMs: int(env, 'SILKGATE_RATE_LIMIT_WINDOW_MS', 60_000, 1000),
    },
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
    accounts: {
      sessionIdleMs: int(env, 'SILKGATE_SESSION_IDLE_MINUTES', 30, 1) * 60_000,
      sessionMaxMs: int(env, 'SILKGATE_SESSION_MAX_HOURS', 12, 1) * 3_600_000,
      lockAfter: int(env, 'SILKGATE_LOCKOUT_FAILURES', 5, 1),
      lockMs: int(env, 'SILKGATE_LOCKOUT_SECONDS', 900, 1) * 1000,
      cookieSecure: bool(env, 'SILKGATE_COOKIE_SECURE', false),
    },
  };
  if (transport === 'http' && !cfg.httpTransport.url) throw new ConfigError('SILKGATE_TRANSPORT=http needs SILKGATE_CUSTOMS_URL');
  // fetch refuses such a URL with an error that quotes it, password and all, into the log.
  if (cfg.httpTransport.url && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(cfg.httpTransport.url)) {
    throw new ConfigError('SILKGATE_CUSTOMS_URL must not carry a user name or password: the platform authenticates with SILKGATE_CUSTOMS_TOKEN');
  }
  if (transport === 'amqp' && !cfg.amqp.url) throw new ConfigError('SILKGATE_TRANSPORT=amqp needs SILKGATE_AMQP_URL');
  return cfg;
}
