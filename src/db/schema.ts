/** The Kysely Database: every table, as declared by the module that owns it (src/modules/<name>/tables.ts). */
import type { AccountsTables } from '../modules/accounts/index.ts';
import type { AuditTables } from '../modules/audit/index.ts';
import type { ClearanceTables } from '../modules/clearance/index.ts';
import type { DeclarationsTables } from '../modules/declarations/index.ts';
import type { EnterprisesTables } from '../modules/enterprises/index.ts';
import type { GatewayTables } from '../modules/gateway/index.ts';
import type { QuotasTables } from '../modules/quotas/index.ts';
import type { ReceiptsTables } from '../modules/receipts/index.ts';
import type { RefundsTables } from '../modules/refunds/index.ts';
import type { SignaturesTables } from '../modules/signatures/index.ts';
import type { StatisticsTables } from '../modules/statistics/index.ts';
import type { StockTables } from '../modules/stock/index.ts';
import type { SummariesTables } from '../modules/summaries/index.ts';
import type { TariffTables } from '../modules/tariff/index.ts';
import type { WarehousesTables } from '../modules/warehouses/index.ts';

export interface Database
  extends EnterprisesTables,
    DeclarationsTables,
    GatewayTables,
    ReceiptsTables,
    TariffTables,
    QuotasTables,
    StockTables,
    ClearanceTables,
    AccountsTables,
    SignaturesTables,
    AuditTables,
    SummariesTables,
    WarehousesTables,
    RefundsTables,
    StatisticsTables {}
