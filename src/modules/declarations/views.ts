/**
 * The declarations list and a message's receipts as the API shows them. Types only, importing
 * nothing: the console (web/) reads them with `import type`, so this file must stay free of imports.
 */
export type Direction = 'import' | 'export';

/** One row of GET /api/v1/declarations: the record's numbers (those customs assigned win), state and times. */
export interface ListItem {
  id: number;
  messageId: number;
  seq: number;
  enterpriseId: number;
  messageType: string;
  direction: Direction;
  orderNo?: string;
  logisticsNo?: string;
  invtNo?: string;
  copNo?: string;
  preNo?: string;
  mode: string | null;
  status: string;
  returnStatus: string | null;
  returnInfo: string | null;
  updatedAt: string;
  receivedAt: string;
}

export interface ListPage {
  items: ListItem[];
  /** Opaque: passed back as `before` for the next page; null on the last. */
  next: string | null;
}

/** A receipt of a message (GET /api/v1/messages/:id `receipts`). */
export interface ReceiptView {
  id: number;
  declarationId: number | null;
  messageType: string;
  returnStatus: string;
  returnInfo: string;
  returnTime: string;
  receivedAt: string;
}
