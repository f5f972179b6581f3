/**
 * Composition root, wired by hand: config → database → modules → HTTP. Tests build it too.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config/index.ts';
import { openDb, type Db } from './db/index.ts';
import { AppError } from './platform/errors.ts';
import { CpuPool, InlineCpu, type Cpu } from './platform/cpu-pool.ts';
import { CPU_TASKS } from './cpu-tasks.ts';
import type { Authenticate } from './platform/http.ts';
import { fullCaller, type Caller } from './platform/access.ts';
import { createEnterprises, ensureDemoZone, type EnterprisesService } from './modules/enterprises/index.ts';
import { createDeclarations, declarationsRoutes, type DeclarationsService } from './modules/declarations/index.ts';
import { createForwarder, createOutbox, createTransport, customsRoutes, type CustomsTransport, type Forwarder } from './modules/gateway/index.ts';
import { createReceipts, readReceipt, receiptsRoutes, receiptView, ReceiptInputError, type ReceiptsService, type WebhooksService } from './modules/receipts/index.ts';
import { clearanceRoutes, createClearance, type ClearanceService } from './modules/clearance/index.ts';
import { createTariff, tariffRoutes, type TariffService } from './modules/tariff/index.ts';
import { createQuotas, type QuotasService } from './modules/quotas/index.ts';
import { createStock, stockRoutes, type StockService } from './modules/stock/index.ts';
import { auditRoutes, createAudit, type AuditLog } from './modules/audit/index.ts';

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
  clearance: ClearanceService;
  tariff: TariffService;
  quotas: QuotasService;
  stock: StockService;
  audit: AuditLog;
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

  const audit = createAudit(db.kysely, db.dialect === 'postgres');
  const enterprises = createEnterprises(db.kysely);
  const demoCredentialsFile = config.demo ? await ensureDemoZone(enterprises, config.dataDir) : null;
  const outbox = createOutbox(db.kysely, db.dialect === 'postgres');
  const cpu: Cpu = config.cpuThreads > 0 ? new CpuPool(new URL('./cpu-worker.ts', import.meta.url), config.cpuThreads) : new InlineCpu(CPU_TASKS);
  const tariff = await createTariff(db.kysely);
  const quotas = createQuotas(db.kysely);
  const stock = createStock(db.kysely, enterprises);
  // Ingest asks clearance (created below: it needs declarations) what to refuse and what to hold.
  let clearance: ClearanceService | null = null;
  const declarations = createDeclarations(
    db.kysely,
    {
      admit: (trx, items) => clearance!.admit(trx, items),
      holds: (item) => clearance!.holds(item),
      route: (trx, stored, now) => clearance!.route(trx, stored, now),
      committed: () => clearance!.committed(),
    },
    cpu,
    config.commitLingerMs,
  );
  const { receipts, webhooks } = createReceipts(db.kysely, declarations, cpu);
  const transport = overrides.transport ?? createTransport(config, log);
  const forwarder = createForwarder(outbox, declarations, transport, log, overrides.forwarderPollMs ? { pollMs: overrides.forwarderPollMs } : {});
  if (config.forwarding) declarations.onStored(() => forwarder.kick());
  const checks = createClearance(
    db.kysely,
    declarations,
    {
      rateOf: tariff.rateOf,
      onPositiveList: (gcode) => tariff.onPositiveList(gcode).ok,
      quotas,
      stock,
      enqueue: (trx, ids, now) => outbox.enqueue(trx, ids, now),
      storeReceipts: (trx, list, now) => receipts.storeIn(trx, list, now),
      readReceipt,
      forwarded: () => config.forwarding && forwarder.kick(),
      committed: () => webhooks.committed(),
      read: (sender, body, format) => declarations.read(sender, body, format),
      quotaRemaining: async (idNumber, year) => (await quotas.usage(idNumber, year)).remainingFen,
      stockAvailable: async (emsNo, itemRecordNo) => (await stock.query({ emsNo })).find((i) => i.itemRecordNo === itemRecordNo)?.available ?? null,
    },
    { ...config.clearance, now: Date.now, log },
  );
  clearance = checks.service;
  receipts.onApplied((trx, changes) => clearance!.applied(trx, changes));
  receipts.onStored((changes) => clearance!.documentsChanged(changes));

  // Each credential kind answers with a Caller, null when the request does not carry it, or an AppError.
  const authenticators: Array<(req: FastifyRequest) => Promise<Caller | null>> = [
    async (req) => {
      const who = await enterprises.authenticate(req.headers.authorization);
      return who ? fullCaller(who) : null;
    },
  ];
  const authenticate: Authenticate = async (req) => {
    for (const a of authenticators) {
      const who = await a(req);
      if (who) return who;
    }
    throw new AppError('UNAUTHORIZED');
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
    clearanceOf: (id) => clearance!.view(id),
  });
  await http.register(receiptsRoutes, { receipts, webhooks, authenticate });
  await http.register(clearanceRoutes, { authenticate, precheck: checks.precheck, maxBodyBytes: config.maxBodyBytes });
  await http.register(tariffRoutes, { service: tariff, authenticate });
  await http.register(stockRoutes, { service: stock, authenticate });
  await http.register(auditRoutes, { audit, authenticate });

  /** Receipts from customs, whatever carried them: stored, or refused with an AppError (4xx) when they can never be accepted. */
  const ingestReceipt = async (bytes: Buffer, source: string) => {
    try {
      return await receipts.ingest(bytes);
    } catch (err) {
      if (!(err instanceof ReceiptInputError)) throw err;
      log.warn({ source, err: err.message }, 'receipt refused');
      throw new AppError('INVALID_MESSAGE', err.message);
    }
  };
  const deliver = async (bytes: Buffer, source: string) => {
    await ingestReceipt(bytes, source);
  };
  if (config.customsToken) await http.register(customsRoutes, { token: config.customsToken, deliver: ingestReceipt, maxBodyBytes: config.maxBodyBytes });

  let workers = false;
  return {
    config, db, http, enterprises, declarations, receipts, webhooks, transport, forwarder, clearance, tariff, quotas, stock, audit, demoCredentialsFile,
    async startWorkers() {
      workers = true;
      clearance!.start();
      await transport.start(deliver);
      if (config.forwarding) forwarder.start();
      webhooks.start({ pollMs: overrides.webhookPollMs ?? 1000, backoffBaseMs: overrides.webhookBackoffMs ?? 1000, batch: 50, maxAttempts: 12, timeoutMs: 10_000, log });
    },
    async close() {
      await http.close();
      await declarations.drain();
      if (workers) {
        await clearance!.stop();
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
