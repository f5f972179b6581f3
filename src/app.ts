/**
 * Composition root, wired by hand: config → database → modules → HTTP. Tests build it too.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config/index.ts';
import { openDb, type Db } from './db/index.ts';
import { AppError } from './platform/errors.ts';
import { installJsonParser } from './platform/json.ts';
import { installRateLimits } from './platform/limits.ts';
import { LOG_REDACT, installSecurityHeaders } from './platform/security.ts';
import { serveConsole } from './platform/console.ts';
import { CpuPool, InlineCpu, type Cpu } from './platform/cpu-pool.ts';
import { CPU_TASKS } from './cpu-tasks.ts';
import type { Authenticate } from './platform/http.ts';
import type { Caller } from './platform/access.ts';
import { createEnterprises, ensureDemoZone, enterprisesRoutes, type EnterprisesService } from './modules/enterprises/index.ts';
import { createDeclarations, declarationsRoutes, type DeclarationsService } from './modules/declarations/index.ts';
import { createForwarder, createOutbox, createScenarios, createTransport, customsRoutes, scenariosRoutes, type CustomsTransport, type Forwarder } from './modules/gateway/index.ts';
import { createReceipts, readReceipt, receiptsRoutes, receiptView, ReceiptInputError, type ReceiptsService, type WebhooksService } from './modules/receipts/index.ts';
import { clearanceRoutes, createClearance, type ClearanceService } from './modules/clearance/index.ts';
import { createTariff, tariffRoutes, type TariffService } from './modules/tariff/index.ts';
import { createRefunds, refundsRoutes, type RefundsService } from './modules/refunds/index.ts';
import { createQuotas, type QuotasService } from './modules/quotas/index.ts';
import { createStock, stockRoutes, type StockService } from './modules/stock/index.ts';
import { auditRoutes, createAudit, type AuditLog } from './modules/audit/index.ts';
import { accountsRoutes, createAccounts, ensureDemoAccounts, sessionAuthenticator } from './modules/accounts/index.ts';
import { clientCertificateAuthenticator, createSignatures, ensureDemoKeys, httpsOptions, signaturesRoutes, type SignaturesService } from './modules/signatures/index.ts';
import { createSummaries, summariesRoutes, type SummariesService } from './modules/summaries/index.ts';
import { DEMO_WAREHOUSE_OPERATOR, createWarehouses, ensureDemoWarehouses, warehousesRoutes, type WarehousesService } from './modules/warehouses/index.ts';
import { createStatistics, statisticsRoutes, type StatisticsService } from './modules/statistics/index.ts';

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
  refunds: RefundsService;
  quotas: QuotasService;
  stock: StockService;
  audit: AuditLog;
  signatures: SignaturesService;
  summaries: SummariesService;
  warehouses: WarehousesService;
  statistics: StatisticsService;
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
  /** Where the log goes (default stdout): tests read it. */
  logStream?: { write(line: string): void };
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const https = httpsOptions(config.tls);
  const http = Fastify({
    ...(https ? { https } : {}),
    logger: { level: config.logLevel, redact: LOG_REDACT, ...(overrides.logStream ? { stream: overrides.logStream } : {}) },
    // Per-request log lines cost more than the ingest itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    // Fastify's own JSON parser (replaced below, kept strict in case a plugin asks for it).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // A field the schema does not know is an error, not silently dropped: a client's typo must not pass unnoticed.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const log = http.log;
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, onIdleError: (err) => log.warn({ err: err.message }, 'database connection lost; it will be replaced') });

  const audit = createAudit(db.kysely, db.dialect === 'postgres');
  const enterprises = createEnterprises(db.kysely, audit);
  const accounts = createAccounts(db.kysely, audit, enterprises, config.accounts, db.dialect === 'postgres');
  const demoCredentialsFile = config.demo ? await ensureDemoZone(enterprises, config.dataDir) : null;
  if (demoCredentialsFile) await ensureDemoAccounts(accounts, demoCredentialsFile);
  const warehouses = createWarehouses(db.kysely, audit);
  if (config.demo) {
    const overseas = await enterprises.byCode(DEMO_WAREHOUSE_OPERATOR);
    if (overseas) await ensureDemoWarehouses(db.kysely, overseas.id);
  }
  const outbox = createOutbox(db.kysely, db.dialect === 'postgres');
  // Counters kept in the transactions that store declarations and receipts (wired below).
  const statistics = createStatistics(db.kysely, {
    queueDepth: () => outbox.depth(),
    receivedAt: (trx, ids) => declarations.receivedAt(trx, ids),
    database: db.dialect,
    startedAt: Date.now(),
  });
  const cpu: Cpu = config.cpuThreads > 0 ? new CpuPool(new URL('./cpu-worker.ts', import.meta.url), config.cpuThreads) : new InlineCpu(CPU_TASKS);
  const signatures = createSignatures({ db: db.kysely, audit, enterprises, cpu, settings: { ...config.signatures, clientCaFile: config.tls.clientCaFile }, demo: config.demo, dataDir: config.dataDir, warn: (msg) => log.warn(msg) });
  if (config.demo) await ensureDemoKeys(signatures, enterprises); // the demo enterprises' certificates registered, keys held
  const tariff = await createTariff(db.kysely, audit);
  const refunds = await createRefunds(db.kysely, audit);
  const quotas = createQuotas(db.kysely);
  const stock = createStock(db.kysely, enterprises, audit);
  // Ingest asks clearance (created below: it needs declarations) what to refuse and what to hold.
  let clearance: ClearanceService | null = null;
  const declarations = createDeclarations(
    db.kysely,
    {
      admit: (trx, items) => clearance!.admit(trx, items),
      holds: (item) => clearance!.holds(item),
      route: (trx, stored, now) => clearance!.route(trx, stored, now),
      stored: (trx, stored, now) => statistics.ingested(trx, stored, now),
      committed: () => clearance!.committed(),
      signature: (item) => signatures.check(item),
    },
    cpu,
    config.commitLingerMs,
    // Who may declare for whom (delegations, cached by the enterprises module); accepted messages go to the audit log.
    {
      delegated: (agentId, principalCode, messageType) => enterprises.delegated(agentId, principalCode, messageType),
      // The principal an agent declares for reads the message and its receipts (cached by declarations).
      enterpriseId: async (code) => (await enterprises.byCode(code))?.id ?? null,
    },
    audit,
  );
  const { receipts, webhooks } = createReceipts(db.kysely, declarations, cpu, audit);
  const transport = overrides.transport ?? createTransport(config, log);
  // The operator's scenario rules (kept in the database) replace the rules file before the sandbox takes a message.
  const scenarios = createScenarios(db.kysely, audit, transport, config);
  await scenarios.restore();
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
      read: (caller, body, format) => declarations.readAuthorized(caller, body, format),
      quotaRemaining: async (idNumber, year) => (await quotas.usage(idNumber, year)).remainingFen,
      stockAvailable: async (emsNo, itemRecordNo) => (await stock.query({ emsNo })).find((i) => i.itemRecordNo === itemRecordNo)?.available ?? null,
    },
    { ...config.clearance, now: Date.now, log },
  );
  clearance = checks.service;
  receipts.onApplied((trx, changes) => clearance!.applied(trx, changes));
  receipts.onStored((changes) => clearance!.documentsChanged(changes));
  // Summary requests go out through ingest as the enterprise's own messages; their results come back as receipts.
  const summaries = createSummaries(db.kysely, {
    declarations,
    audit,
    sign: (caller, body) => signatures.sign(caller, body),
    // Each declaration customs makes of a summary enters the tax-refund ledger in the receipt's transaction.
    declared: (trx, result, now) => refunds.declared(trx, result, now),
  });
  receipts.onApplied((trx, changes) => summaries.inventoriesClosed(trx, changes, Date.now()));
  receipts.onApplied((trx, changes) => summaries.requestsRefused(trx, changes, Date.now()));
  receipts.onReceived(['CEB702Message'], (trx, list, now) => summaries.summaryReturned(trx, list, now));
  receipts.onReceived(['CEB792Message'], (trx, list, now) => summaries.resultReceived(trx, list, now));
  receipts.onApplied((trx, changes) => statistics.applied(trx, changes));

  // Before any route: security headers on every answer, rate limits, the strict JSON parser.
  installSecurityHeaders(http);
  const rateLimits = await installRateLimits(http, config.limits);
  installJsonParser(http, config.maxBodyBytes);

  // Each credential kind answers with a Caller, null when the request does not carry it, or an AppError.
  const authenticators: Array<(req: FastifyRequest) => Promise<Caller | null>> = [
    (req) => enterprises.authenticate(req.headers.authorization),
  ];
  authenticators.push(sessionAuthenticator(accounts)); // console sessions: after keys, so a request with both is the key's
  authenticators.push(clientCertificateAuthenticator(signatures)); // client certificates (mTLS), registered with purpose client
  const authenticate: Authenticate = async (req) => {
    for (const a of authenticators) {
      const who = await a(req);
      if (who) {
        rateLimits.trust(req);
        return who;
      }
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
    if (fe.statusCode === 429) return reply.status(429).send(new AppError('RATE_LIMITED', fe.message).toJSON());
    if (fe.validation) {
      const issues = fe.validation.map((v) => {
        const extra = v.params?.additionalProperty as string | undefined;
        const path = extra !== undefined ? `${v.instancePath}/${extra}` : v.instancePath || String(v.params?.missingProperty ?? '');
        return { path, rule: v.keyword, expected: extra !== undefined ? 'no such field (it is not part of this request)' : (v.message ?? ''), actual: JSON.stringify(v.params) };
      });
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
  await http.register(refundsRoutes, { service: refunds, authenticate });
  await http.register(stockRoutes, { service: stock, authenticate, codeOf: async (id) => (await enterprises.byId(id))?.code ?? null });
  await http.register(auditRoutes, { audit, authenticate });
  await http.register(signaturesRoutes, { service: signatures, authenticate, maxBodyBytes: config.maxBodyBytes });
  await http.register(enterprisesRoutes, { service: enterprises, authenticate, maxDocumentBytes: config.maxDocumentBytes });
  await http.register(accountsRoutes, { service: accounts, authenticate });
  await http.register(summariesRoutes, { service: summaries, authenticate });
  await http.register(warehousesRoutes, { service: warehouses, authenticate, maxCsvBytes: config.maxBodyBytes });
  await http.register(scenariosRoutes, { service: scenarios, authenticate });
  await http.register(statisticsRoutes, { service: statistics, authenticate });

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
  await serveConsole(http); // last: every other GET that is not API is a console page

  let workers = false;
  return {
    config, db, http, enterprises, declarations, receipts, webhooks, transport, forwarder, clearance, tariff, refunds, quotas, stock, audit, signatures, summaries, warehouses, statistics, demoCredentialsFile,
    async startWorkers() {
      workers = true;
      statistics.start();
      clearance!.start();
      // Summary confirmations a previous run left half done are settled before new ones start.
      await summaries.recover().catch((err: unknown) => log.error({ err }, 'summaries: recovery failed'));
      await transport.start(deliver);
      if (config.forwarding) forwarder.start();
      webhooks.start({ pollMs: overrides.webhookPollMs ?? 1000, backoffBaseMs: overrides.webhookBackoffMs ?? 1000, batch: 50, maxAttempts: 12, timeoutMs: 10_000, log });
    },
    async close() {
      statistics.close(); // ends the open statistics streams, which would hold the server open
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
