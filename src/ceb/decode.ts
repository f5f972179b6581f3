/**
 * Turns the bytes of an XML document into text, honouring the encoding its prolog declares.
 * CEB declarations arrive in UTF-8 or in the Chinese national encodings (GB18030 and its
 * subsets GBK and GB2312). Invalid byte sequences are refused, never replaced: a signature
 * covers the exact bytes, and a silently repaired text would no longer match them.
 */

export interface DecodeResult {
  ok: true;
  text: string;
  /** Normalised name of the declared (or assumed) encoding. */
  encoding: 'UTF-8' | 'GB18030';
}

export interface DecodeFailure {
  ok: false;
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

export function declaredEncoding(bytes: Uint8Array): string | null {
  // The prolog is ASCII in every encoding accepted here; 200 bytes is more than any real prolog.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString('latin1');
  const m = PROLOG.exec(head.charCodeAt(0) === 0xef ? head.slice(3) : head);
  return m ? m[1] : null;
}

export function decodeXml(bytes: Uint8Array): DecodeResult | DecodeFailure {
  const declared = declaredEncoding(bytes);
  const encoding = declared === null ? 'UTF-8' : ENCODINGS[declared.toLowerCase()];
  if (!encoding) {
    return { ok: false, expected: 'encoding UTF-8, GB18030, GBK or GB2312', actual: `encoding="${declared}"` };
  }
  if (bytes.byteLength >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return { ok: false, expected: 'encoding UTF-8, GB18030, GBK or GB2312', actual: 'UTF-16 byte order mark' };
  }
  try {
    const text = (encoding === 'UTF-8' ? utf8 : gb18030).decode(bytes);
    return { ok: true, text, encoding };
  } catch {
    return { ok: false, expected: `bytes valid in ${declared ?? 'UTF-8'}`, actual: 'an invalid byte sequence' };
  }
}
