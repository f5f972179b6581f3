/** An entry's country, place, area and services in the reader's language (the list, the map and the entry say them alike). */
import { useMemo } from 'react';
import { useFormat, useLang, useT } from '../i18n/index.tsx';
import { countryLabel } from '../ui/countries.ts';
import { m, serviceNames } from './messages.ts';
import { SERVICES, type Service, type Warehouse } from './types.ts';

export function useEntryLabels() {
  const t = useT(m);
  const s = useT(serviceNames);
  const { lang } = useLang();
  const f = useFormat();
  return useMemo(
    () => ({
      country: (code: string) => countryLabel(code, lang),
      /** "Dallas · 美国". */
      place: (w: Warehouse) => `${w.city} · ${countryLabel(w.country, lang)}`,
      area: (w: Warehouse) => t('area', { area: f.number(w.areaM2) }),
      /** A service the console does not know is shown as sent. */
      services: (w: Warehouse) => w.services.map((x) => ((SERVICES as readonly string[]).includes(x) ? s(x as Service) : x)).join(t('sep')),
    }),
    [t, s, lang, f],
  );
}
