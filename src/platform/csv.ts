/**
 * CSV as RFC 4180 has it, both ways: comma-separated, a field quoted with `"` when it holds a
 * comma, a quote, CR or LF (a quote inside doubled), records ended by CRLF. Reading also takes
 * LF endings, a UTF-8 BOM and quoted fields spanning lines.
 */

export interface CsvRecord {
  /** The line of the file the record starts on (1 = first line). */
  line: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

/** The records of a document; blank lines are skipped (but counted). */
export function parseCsv(text: string): CsvParse {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) return { ok: false, line: start, message: 'a quoted field is not closed (a `"` is missing)' };
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        if (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          return { ok: false, line, message: 'text after a closing quote (quotes inside a field must be doubled: "")' };
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') value += s[i++];
        if (value.includes('"')) return { ok: false, line, message: 'a quote inside an unquoted field (quote the whole field and double the quote)' };
      }
      fields.push(value);
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { ok: true, records };
}

/** The byte-order mark that makes spreadsheets read the file as UTF-8. */
export const BOM = '\uFEFF';

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Free text from a declaration, made inert for spreadsheets: a leading =, +, -, @, tab or CR
 * would start a formula, so such a value gets a leading apostrophe (shown, never evaluated).
 */
export function textField(value: string | null): string | null {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Free text in a file meant to be edited and imported back: made inert like textField, but
 * reversibly — an apostrophe goes before any run of apostrophes ending in a formula character,
 * and restoreField takes exactly one away, so every value comes back as it was.
 */
export function inertField(value: string | null): string | null {
  return value !== null && /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The value inertField made inert, as it was. */
export function restoreField(value: string): string {
  return /^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** A record: its fields joined by commas, ended by CRLF. */
export function csvLine(fields: Array<string | number | null>): string {
  return fields.map(csvField).join(',') + '\r\n';
}
