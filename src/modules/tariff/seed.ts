/**
 * The shipped seed of the rate table and the positive list (data/*.json, in the JSON import
 * format, so `silkgate tariff import rates src/modules/tariff/data/default-rates.json --mode
 * replace` restores it). Written once by migration 0002_tariff; validated by the same parser as
 * an operator's import, so a broken data file fails the migration instead of seeding garbage.
 */
import fs from 'node:fs';
import { parsePositiveList, parseRates, type PositiveRow, type RateRow } from './parse.ts';

const read = (name: string): unknown => JSON.parse(fs.readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));

export interface TariffSeed {
  rates: RateRow[];
  positive: PositiveRow[];
}

export function tariffSeed(): TariffSeed {
  return {
    rates: parseRates('json', read('default-rates.json')).rows,
    positive: parsePositiveList('json', read('positive-list-seed.json')).rows,
  };
}
