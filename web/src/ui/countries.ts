/**
 * Customs' 3-digit country codes (海关国别代码) of the places overseas warehouses usually are,
 * mapped to ISO 3166 so the browser names them in the reader's language. A code not listed is
 * shown as it is.
 */
const ISO: Record<string, string> = {
  '110': 'HK', '112': 'ID', '116': 'JP', '122': 'MY', '129': 'PH', '132': 'SG', '133': 'KR', '136': 'TH', '138': 'AE', '141': 'VN',
  '301': 'BE', '302': 'DK', '303': 'GB', '304': 'DE', '305': 'FR', '306': 'IE', '307': 'IT', '308': 'LU', '309': 'NL', '310': 'GR',
  '311': 'PT', '312': 'ES', '330': 'SE', '331': 'CH', '344': 'RU',
  '501': 'CA', '502': 'US',
  '601': 'AU', '609': 'NZ',
};

const cache = new Map<string, Intl.DisplayNames | null>();

function names(lang: string): Intl.DisplayNames | null {
  if (!cache.has(lang)) {
    try {
      cache.set(lang, new Intl.DisplayNames([lang], { type: 'region' }));
    } catch {
      cache.set(lang, null);
    }
  }
  return cache.get(lang)!;
}

/** The country's name in `lang`, or null when the code is not one we can name. */
export function countryName(code: string, lang: string): string | null {
  const iso = ISO[code];
  return iso ? (names(lang)?.of(iso) ?? null) : null;
}

/** "美国 (502)", or the bare code. */
export function countryLabel(code: string, lang: string): string {
  const n = countryName(code, lang);
  return n ? `${n} (${code})` : code;
}
