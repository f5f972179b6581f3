/**
 * Security headers on every answer (API, /docs, the console) and what the log never holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

/**
 * One policy for everything served: scripts only from this origin (swagger-ui and the console
 * load theirs from files, never inline), no framing, no plugins, no base or form redirection.
 * Inline styles stay allowed: charts and swagger-ui set style attributes, which carry no code.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  workerSrc: ["'self'", 'blob:'],
};

export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  // Over plain HTTP (a zone's LAN, tests) HSTS means nothing and upgrade-insecure-requests would break /docs.
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
};

/** Strict-Transport-Security for answers sent over HTTPS (directly, or from a trusted proxy's X-Forwarded-Proto). */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** The headers helmet sets with these options. Worked out once: building helmet's middleware per request costs ~18 µs. */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

export function installSecurityHeaders(http: FastifyInstance): void {
  const headers = securityHeaders();
  http.addHook('onRequest', (req, reply, done) => {
    reply.headers(headers);
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    done();
  });
}

const SECRET_FIELDS = ['password', 'newPassword', 'currentPassword', 'privateKey', 'privateKeyPem', 'apiKey', 'token', 'secret', 'customsToken', 'csrfToken'];

/**
 * pino `redact` paths: credentials in request and response headers, and secret fields of a
 * logged body or object, at the top level and one or two levels down.
 */
export const LOG_REDACT = {
  paths: [
    ...['req.headers', 'headers', 'request.headers'].flatMap((h) => [`${h}.authorization`, `${h}.cookie`, `${h}["x-csrf-token"]`, `${h}["proxy-authorization"]`]),
    ...['res.headers', 'headers', 'reply.headers'].map((h) => `${h}["set-cookie"]`),
    ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ],
  censor: '[redacted]',
};

/** A URL fit for a log line: no user name, password, query or fragment. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** `text` with every occurrence of `url` replaced by its safe form. */
export function withoutUrl(text: string, url: string): string {
  return url ? text.split(url).join(safeUrl(url)) : text;
}
