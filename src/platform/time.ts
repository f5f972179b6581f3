/**
 * Customs stamps every time in China Standard Time (UTC+8, no daylight saving), in compact
 * forms: appTime YYYYMMDDhhmmss, returnTime YYYYMMDDhhmmssSSS, DxpMsg CreatTime yyyy-MM-ddTHH:mm:ss.
 */
const CST_OFFSET_MS = 8 * 3600 * 1000;

function parts(d: Date) {
  const t = new Date(d.getTime() + CST_OFFSET_MS);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return {
    y: String(t.getUTCFullYear()),
    mo: p2(t.getUTCMonth() + 1),
    d: p2(t.getUTCDate()),
    h: p2(t.getUTCHours()),
    mi: p2(t.getUTCMinutes()),
    s: p2(t.getUTCSeconds()),
    ms: String(t.getUTCMilliseconds()).padStart(3, '0'),
  };
}

/** YYYYMMDD */
export function cstDate(d: Date): string {
  const p = parts(d);
  return `${p.y}${p.mo}${p.d}`;
}

/** YYYY-MM-DD: the day in China (dates of invoices, sales, filters). */
export function cstDay(d: Date): string {
  const p = parts(d);
  return `${p.y}-${p.mo}-${p.d}`;
}

/** YYYYMMDDhhmmss (appTime, payTime …) */
export function cstTime14(d: Date): string {
  const p = parts(d);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}`;
}

/** YYYYMMDDhhmmssSSS (returnTime) */
export function cstTime17(d: Date): string {
  const p = parts(d);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}${p.ms}`;
}

/** yyyy-MM-ddTHH:mm:ss (DxpMsg CreatTime) */
export function cstIso(d: Date): string {
  const p = parts(d);
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}`;
}

/** Reads YYYYMMDDhhmmss[SSS] in China time; null when malformed. */
export function parseCstCompact(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(s);
  if (!m) return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +m[7] : 0) - CST_OFFSET_MS;
  return Number.isNaN(utc) ? null : new Date(utc);
}
