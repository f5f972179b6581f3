/** Retail import tax engine (spec §5.2): pure functions, money in integer fen. */
export { computeRetailImportTax, defaultRate, fenToYuan, yuanToFen, splitProRata, SINGLE_LIMIT_FEN } from './tax.ts';
export { DEFAULT_MONTHLY_RATES, toRmbFen } from './exchange.ts';
export type { TaxRate, TaxLineInput, TaxLineResult, TaxTotals, TaxInput } from './tax.ts';
