/**
 * Codes the platform answers with. Where customs has a code for the same fault (spec §4) it is
 * used as is; the -6219xx range is the platform's own, for faults caught before customs.
 */
export const CODES = {
  orderExists: '-301010',
  orderAlreadyDeclared: '-301011',
  paymentUnknownOrder: '-401005',
  waybillExists: '-504010',
  inventoryExists: '-621004',
  singleLimit: '-621005',
  annualLimit: '-621018',
  documentsMissing: '-621901',
  documentRejected: '-621902',
  mismatch: '-621903',
  notOnPositiveList: '-621904',
  stockShort: '-621905',
  heldBack: '-621906',
  // Export: customs publishes no codes for these checks; the platform's follow the import ones.
  exportOrderExists: '-303010',
  exportOrderDeclared: '-303011',
  collectionUnknownOrder: '-403005',
  collectionExists: '-403010',
  exportWaybillExists: '-505010',
  exportInventoryExists: '-603004',
  exportCancelUnknown: '-605001',
  exportCancelNotAllowed: '-605002',
  exportReturnUnknown: '-213001',
  exportReturnNotReleased: '-213002',
  // Export inventories (CEB603) held for matching, the platform's own range like -6219xx for import.
  exportDocumentsMissing: '-603901',
  exportDocumentRejected: '-603902',
  exportMismatch: '-603903',
  exportStockShort: '-603905',
  exportHeldBack: '-603906',
  cancelUnknown: '-623001',
  cancelNotAllowed: '-623002',
  refundUnknown: '-625001',
  refundNotReleased: '-625002',
  refundTooLate: '-625003',
  refundQuantity: '-625009',
} as const;

export type Code = (typeof CODES)[keyof typeof CODES];
