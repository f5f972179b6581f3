/**
 * HTTPS and client certificates (mTLS). With SILKGATE_TLS_CLIENT_CA the server asks for a client
 * certificate but does not insist (API-key clients still connect); a certificate the TLS layer
 * verified against that CA, and registered with purpose `client` to an approved enterprise,
 * authenticates the request as that enterprise.
 */
import fs from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import type { SignaturesService } from './signatures.service.ts';

export interface TlsSettings {
  certFile?: string;
  keyFile?: string;
  clientCaFile?: string;
}

export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

/** Fastify's `https` options, or null to serve plain HTTP. Throws naming the variable when a file is unreadable. */
export function httpsOptions(tls: TlsSettings): HttpsOptions | null {
  if (!tls.certFile || !tls.keyFile) return null;
  const read = (file: string, name: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new Error(`${name}: cannot read ${file} (${(e as Error).message})`);
    }
  };
  const out: HttpsOptions = { cert: read(tls.certFile, 'SILKGATE_TLS_CERT'), key: read(tls.keyFile, 'SILKGATE_TLS_KEY') };
  if (tls.clientCaFile) {
    out.ca = read(tls.clientCaFile, 'SILKGATE_TLS_CLIENT_CA');
    out.requestCert = true;
    // Clients without a certificate (API keys, browsers) must still get through.
    out.rejectUnauthorized = false;
  }
  return out;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A browser that holds a client certificate presents it to every site's request, as it sends a
 * cookie: an unsafe request another site's page made must not act with it (no CSRF token guards a
 * certificate). Browsers say where a request comes from (Sec-Fetch-Site, else Origin); programs
 * send neither.
 */
function crossSiteRefusal(req: FastifyRequest): AppError | null {
  if (!UNSAFE.has(req.method)) return null;
  const site = req.headers['sec-fetch-site'];
  let actual: string | null = null;
  if (typeof site === 'string') {
    if (site !== 'same-origin' && site !== 'none') actual = `Sec-Fetch-Site: ${site}`;
  } else if (typeof req.headers.origin === 'string') {
    let host: string | null = null;
    try {
      host = new URL(req.headers.origin).host;
    } catch {
      host = null;
    }
    if (host !== req.host) actual = `Origin: ${req.headers.origin}`;
  }
  if (actual === null) return null;
  return new AppError('FORBIDDEN', 'A client certificate does not authenticate a POST, PUT, PATCH or DELETE that another site made in the browser.', [
    { path: typeof site === 'string' ? 'Sec-Fetch-Site' : 'Origin', rule: 'same-origin', expected: 'a request of this site, or of a program (no Sec-Fetch-Site or Origin)', actual },
  ]);
}

/** The authenticator of client certificates: null when the request carries none the TLS layer authorised, or none registered. */
export function clientCertificateAuthenticator(service: SignaturesService): (req: FastifyRequest) => Promise<Caller | null> {
  return async (req) => {
    const socket = req.raw.socket as TLSSocket | undefined;
    if (!socket || !(socket as { encrypted?: boolean }).encrypted || !socket.authorized) return null;
    const peer = socket.getPeerCertificate();
    if (!peer || !peer.raw) return null;
    const caller = await service.clientCaller(peer.raw);
    if (!caller) return null;
    const refused = crossSiteRefusal(req);
    if (refused) throw refused;
    return caller;
  };
}
