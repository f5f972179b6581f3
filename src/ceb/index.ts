/** The CEB standard (202205): field tables, parsing, validation, building, envelopes, record keys. */
export { MESSAGES } from './schema/index.ts';
export type { MessageDef, ElementDef, LeafType, AttrDef } from './schema/index.ts';
export { parseDocument, parseText, DEFAULT_LIMITS } from './parse.ts';
export type { Issue, CebNode, CebValue, ParsedDocument, ParseOutcome, ParseLimits } from './parse.ts';
export { buildDocument, nodeFromJson, escapeText, escapeAttr } from './build.ts';
export { buildDxpMsg, openEnvelope, isEnvelope, CUSTOMS_IMPORT_DXP_ID, CUSTOMS_EXPORT_DXP_ID } from './dxp.ts';
export type { Envelope } from './dxp.ts';
export { records, headOf, str, baseTransfer, declarationKey, exportOrderKey, receiptKeys, declarationTypeOf, recordElementName } from './records.ts';
export type { CebRecord } from './records.ts';
export { NS } from './namespaces.ts';
export { notation, checkValue } from './values.ts';
