/**
 * Turns the bytes of an XML document into text, honouring the encoding its prolog declares.
 * CEB declarations arrive in UTF-8 or in the Chinese national encodings (GB18030 and its
 * subsets GBK and GB2312). Invalid byte sequences are refused, never replaced: a signature
 * covers the exact bytes, and a silently repaired text would no longer match them.
 *
 * Refused with the reason: UTF-16 and UTF-32 (by byte order mark or by their zero bytes),
 * any other declared encoding, a byte order mark that contradicts the declaration, a NUL byte
 * (never a character of XML), and the first invalid byte sequence, by its offset.
 */

export interface DecodeResult {
  ok: true;
  text: string;
  /** Normalised name of the declared (or assumed) encoding. */
  encoding: 'UTF-8' | 'GB18030';
}

export interface DecodeFailure {
  ok: false;
  /** `encoding`, or `xml-char` for a NUL byte. */
  rule: 'encoding' | 'xml-char';
  expected: string;
  actual: string;
}

const PROLOG = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030', { fatal: true });

/** Encodings accepted on input, with the decoder that reads them. */
const ENCODINGS: Record<string, 'UTF-8' | 'GB18030'> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  gb18030: 'GB18030',
  gbk: 'GB18030',
  gb2312: 'GB18030',
  'x-gbk': 'GB18030',
};

const ACCEPTED = 'encoding UTF-8, GB18030, GBK or GB2312';

const hasUtf8Bom = (b: Uint8Array) => b.byteLength >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** UTF-16/32 by byte order mark, or by the zero bytes around `<` that they put first. */
function wideEncoding(b: Uint8Array): string | null {
  const at = (i: number) => (i < b.byteLength ? b[i] : -1);
  if (at(0) === 0x00 && at(1) === 0x00 && at(2) === 0xfe && at(3) === 0xff) return 'UTF-32 byte order mark';
  if (at(0) === 0xff && at(1) === 0xfe && at(2) === 0x00 && at(3) === 0x00) return 'UTF-32 byte order mark';
  if ((at(0) === 0xff && at(1) === 0xfe) || (at(0) === 0xfe && at(1) === 0xff)) return 'UTF-16 byte order mark';
  if (at(0) === 0x00 && at(1) === 0x00 && at(2) === 0x00 && at(3) === 0x3c) return 'UTF-32 bytes (no byte order mark)';
  if (at(0) === 0x3c && at(1) === 0x00 && at(2) === 0x00 && at(3) === 0x00) return 'UTF-32 bytes (no byte order mark)';
  if ((at(0) === 0x00 && at(1) === 0x3c) || (at(0) === 0x3c && at(1) === 0x00)) return 'UTF-16 bytes (no byte order mark)';
  return null;
}

export function declaredEncoding(bytes: Uint8Array): string | null {
  // The prolog is ASCII in every encoding accepted here; 200 bytes is more than any real prolog.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString('latin1');
  const m = PROLOG.exec(hasUtf8Bom(bytes) ? head.slice(3) : head);
  return m ? m[1] : null;
}

/** Offset of the first byte sequence the decoder refuses (assumes there is one); chunked, so a long valid prefix costs one pass. */
export function invalidByteOffset(bytes: Uint8Array, label: 'utf-8' | 'gb18030'): number {
  const step = 65_536;
  const first = new TextDecoder(label, { fatal: true });
  let at = 0;
  for (; at < bytes.byteLength; at += step) {
    try {
      first.decode(bytes.subarray(at, at + step), { stream: true });
    } catch {
      break;
    }
  }
  // Every chunk went through: the input ends inside a character.
  if (at >= bytes.byteLength) return bytes.byteLength;
  const again = new TextDecoder(label, { fatal: true });
  if (at > 0) again.decode(bytes.subarray(0, at), { stream: true });
  const end = Math.min(bytes.byteLength, at + step);
  // The offset named is where the refused sequence starts: after the last complete character.
  let start = at;
  for (let i = at; i < end; i++) {
    try {
      if (again.decode(bytes.subarray(i, i + 1), { stream: true }).length > 0) start = i + 1;
    } catch {
      return start;
    }
  }
  return end;
}

function hex(bytes: Uint8Array, at: number): string {
  const from = Math.max(0, at - 2);
  return Array.from(bytes.subarray(from, Math.min(bytes.byteLength, at + 3)), (b, i) => (from + i === at ? `[${b.toString(16).padStart(2, '0')}]` : b.toString(16).padStart(2, '0'))).join(' ');
}

export function decodeXml(bytes: Uint8Array): DecodeResult | DecodeFailure {
  const wide = wideEncoding(bytes);
  if (wide) return { ok: false, rule: 'encoding', expected: ACCEPTED, actual: wide };
  const declared = declaredEncoding(bytes);
  const encoding = declared === null ? 'UTF-8' : ENCODINGS[declared.toLowerCase()];
  if (!encoding) {
    return { ok: false, rule: 'encoding', expected: ACCEPTED, actual: `encoding="${declared}"` };
  }
  if (hasUtf8Bom(bytes) && encoding !== 'UTF-8') {
    return { ok: false, rule: 'encoding', expected: `no byte order mark, or one that matches encoding="${declared}"`, actual: `a UTF-8 byte order mark with encoding="${declared}"` };
  }
  // In UTF-8 and GB18030 a zero byte is always U+0000, which no XML document may hold.
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, rule: 'xml-char', expected: 'XML characters only (no NUL)', actual: `a NUL byte at byte offset ${nul}` };
  try {
    const text = (encoding === 'UTF-8' ? utf8 : gb18030).decode(bytes);
    return { ok: true, text, encoding };
  } catch {
    const at = invalidByteOffset(bytes, encoding === 'UTF-8' ? 'utf-8' : 'gb18030');
    const where = at >= bytes.byteLength ? 'a character cut short at the end' : `an invalid byte sequence at byte offset ${at} (${hex(bytes, at)})`;
    return { ok: false, rule: 'encoding', expected: `bytes valid in ${declared ?? 'UTF-8'}`, actual: where };
  }
}
