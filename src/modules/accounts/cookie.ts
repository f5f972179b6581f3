/** The session cookie: read from the Cookie header, written as Set-Cookie. One cookie, so no library. */

export const SESSION_COOKIE = 'sg_session';

/** Only the shape our tokens have (base64url of 32 bytes): anything else is not a session. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session token in a Cookie header, or null. Pairs are split on ';' and trimmed (RFC 6265
 * §5.4 sends "a=1; b=2"); the first sg_session with a well-formed value wins, as browsers send the
 * most specific cookie first.
 */
export function readSessionCookie(header: string | string[] | undefined): string | null {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return null;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (TOKEN.test(value)) return value;
  }
  return null;
}

/** HttpOnly: scripts cannot read it; SameSite=Strict: other sites' pages do not send it. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
