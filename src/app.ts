/**
 * Composition root, wired by hand: config → database → modules → HTTP. Tests build it too.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config/index.ts';
import { openDb, type Db } from './db/index.ts';
import { AppError } from './platform/errors.ts';
import { CpuPool, InlineCpu, type Cpu } from './platform/cpu-pool.ts';
import { CPU_TASKS } from './cpu-tasks.ts';
import type { Authenticate } from './platform/http.ts';
import { createEnterprises, ensureDemoZone, type EnterprisesService } from './modules/enterprises/index.ts';
import { createDeclarations, declarationsRoutes, type DeclarationsService } from './modules/declarations/index.ts';
import { createForwarder, createOutbox, createTransport, type CustomsTransport, type Forwarder } from './modules/gateway/index.ts';
import { createReceipts, receiptsRoutes, receiptView, ReceiptInputError, type ReceiptsService, type WebhooksService } from './modules/receipts/index.ts';

export interface App {
  config: Config;
  db: Db;
  http: FastifyInstance;
  enterprises: EnterprisesService;
  declarations: DeclarationsService;
  receipts: ReceiptsService;
  webhooks: WebhooksService;
  transport: CustomsTransport;
  forwarder: Forwarder;
  /** Path of demo-credentials.json when this start created the demo zone. */
  demoCredentialsFile: string | null;
  /** Starts background work (forwarding, receipts, webhooks). */
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOverrides {
  transport?: CustomsTransport;
  webhookPollMs?: number;
  webhookBackoffMs?: number;
  forwarderPollMs?: number;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const http = Fastify({
    logger: { level: config.logLevel },
    // Per-request log lines cost more than the ingest itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    trustProxy: true,
  });
  const log = http.log;
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, onIdleError: (err) => log.warn({ err: err.message }, 'database connection lost; it will be replaced') });

  const enterprises = createEnterprises(db.kysely);
  const demoCredentialsFile = config.demo ? await ensureDemoZone(enterprises, config.dataDir) : null;
  const outbox = createOutbox(db.kysely);
  const cpu: Cpu = config.cpuThreads > 0 ? new CpuPool(new URL('./cpu-worker.ts', import.meta.url), config.cpuThreads) : new InlineCpu(CPU_TASKS);
  const declarations = createDeclarations(db.kysely, (trx, ids, now) => outbox.enqueue(trx, ids, now), cpu);
  const { receipts, webhooks } = createReceipts(db.kysely, declarations, cpu);
  const transport = overrides.transport ?? createTransport(config, log);
  const forwarder = createForwarder(outbox, declarations, transport, log, overrides.forwarderPollMs ? { pollMs: overrides.forwarderPollMs } : {});
  if (config.forwarding) declarations.onStored(() => forwarder.kick());

  const authenticate: Authenticate = async (req) => {
    const who = await enterprises.authenticate(req.headers.authorization);
    if (!who) throw new AppError('UNAUTHORIZED');
    return who;
  };

  http.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) return reply.status(err.status).send(err.toJSON());
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(new AppError('PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${config.maxBodyBytes} bytes.`).toJSON());
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(new AppError('UNSUPPORTED_MEDIA_TYPE').toJSON());
    if (fe.validation) {
      const issues = fe.validation.map((v) => ({ path: v.instancePath || String(v.params?.missingProperty ?? ''), rule: v.keyword, expected: v.message ?? '', actual: JSON.stringify(v.params) }));
      return reply.status(400).send(new AppError('INVALID_REQUEST', fe.message, issues).toJSON());
    }
    if (fe.statusCode && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'INVALID_REQUEST', message: fe.message, issues: [] } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(new AppError('INTERNAL').toJSON());
  });

  await http.register(swagger, {
    openapi: {
      info: { title: 'Silkgate', description: 'Public service platform for cross-border e-commerce zones: CEB 202205 exchange node.', version: '0.1.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await http.register(swaggerUi, { routePrefix: '/docs' });

  http.get('/healthz', { schema: { hide: true } }, async () => {
    await db.kysely.selectFrom('enterprises').select('id').limit(1).execute();
    return { status: 'ok', database: db.dialect, transport: transport.name };
  });

  await http.register(declarationsRoutes, {
    service: declarations,
    authenticate,
    maxBodyBytes: config.maxBodyBytes,
    receiptsOf: async (id) => (await receipts.forMessage(id)).map(receiptView),
  });
  await http.register(receiptsRoutes, { receipts, webhooks, authenticate });

  const deliver = async (bytes: Buffer, source: string) => {
    try {
      await receipts.ingest(bytes);
    } catch (err) {
      if (err instanceof ReceiptInputError) log.warn({ source, err: err.message }, 'receipt refused');
      throw err;
    }
  };

  let workers = false;
  return {
    config, db, http, enterprises, declarations, receipts, webhooks, transport, forwarder, demoCredentialsFile,
    async startWorkers() {
      workers = true;
      await transport.start(deliver);
      if (config.forwarding) forwarder.start();
      webhooks.start({ pollMs: overrides.webhookPollMs ?? 1000, backoffBaseMs: overrides.webhookBackoffMs ?? 1000, batch: 50, maxAttempts: 12, timeoutMs: 10_000, log });
    },
    async close() {
      await http.close();
      await declarations.drain();
      if (workers) {
        await forwarder.stop();
        await webhooks.stop();
        await transport.stop();
      }
      await enterprises.flushUse().catch(() => undefined);
      await cpu.close();
      await db.close();
    },
  };
}
