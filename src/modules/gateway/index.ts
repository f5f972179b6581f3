/** Customs gateway: the outbox, the forwarder and the transports (sandbox, folder, HTTP, AMQP). */
import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService } from '../declarations/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { SandboxScenariosService } from './scenarios.ts';
import { Forwarder, type ForwarderOptions } from './forwarder.ts';
import { OutboxRepository } from './outbox.repository.ts';
import { SandboxWorker } from './sandbox/index.ts';
import type { CustomsTransport } from './transport.ts';
import { AmqpTransport } from './transports/amqp.ts';
import { FolderTransport } from './transports/folder.ts';
import { HttpTransport } from './transports/http.ts';

export type { GatewayTables } from './tables.ts';
export type { CustomsTransport, OutboundMessage, InboundHandler } from './transport.ts';
export { Forwarder, backoffMs } from './forwarder.ts';
export { OutboxRepository } from './outbox.repository.ts';
export { SandboxCustoms, SandboxWorker } from './sandbox/index.ts';
export { FolderTransport } from './transports/folder.ts';
export { HttpTransport } from './transports/http.ts';
export { AmqpTransport } from './transports/amqp.ts';
export { customsRoutes } from './customs.routes.ts';
export { SandboxScenariosService } from './scenarios.ts';
export type { ScenarioHolder, ScenarioSource } from './scenarios.ts';
export { scenariosRoutes } from './scenarios.routes.ts';

type Log = ForwarderOptions['log'];

/** The operator's view of the sandbox scenarios; `restore()` it before the transport starts. */
export function createScenarios(db: Kysely<Database>, audit: AuditLog, transport: CustomsTransport, config: Config): SandboxScenariosService {
  return new SandboxScenariosService(db, audit, transport, config.transport === 'sandbox' && !!config.sandbox.scenariosFile);
}

export function createOutbox(db: Kysely<Database>, postgres = false): OutboxRepository {
  return new OutboxRepository(db, postgres);
}

export function createTransport(config: Config, log: Log): CustomsTransport {
  switch (config.transport) {
    case 'sandbox':
      return new SandboxWorker({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, delayMs: config.sandbox.delayMs, scenariosFile: config.sandbox.scenariosFile, log });
    case 'folder':
      return new FolderTransport({ outDir: config.folder.outDir, inDir: config.folder.inDir, log });
    case 'http':
      return new HttpTransport({ url: config.httpTransport.url!, token: config.customsToken });
    case 'amqp':
      return new AmqpTransport({ url: config.amqp.url!, sendQueue: config.amqp.sendQueue, receiveQueue: config.amqp.receiveQueue, log });
  }
}

export function createForwarder(outbox: OutboxRepository, declarations: DeclarationsService, transport: CustomsTransport, log: Log, overrides: Partial<ForwarderOptions> = {}): Forwarder {
  return new Forwarder(outbox, declarations, transport, { batch: 200, concurrency: 64, maxAttempts: Number.POSITIVE_INFINITY, pollMs: 1000, log, ...overrides });
}
