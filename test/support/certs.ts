/** Test certificates made with OpenSSL 3: SM2 or RSA keys, issued by the sandbox CA or any other CA. */
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_KEYS_DIR } from '../../src/demo/keys.ts';

export interface Issued {
  keyPem: string;
  certPem: string;
  der: Buffer;
  fingerprint: string;
}

export interface CaFiles {
  cert: string;
  key: string;
  /** SM2 CAs sign with SM3 and the default ID. */
  sm2: boolean;
}

export const SANDBOX_CA: CaFiles = { cert: path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.pem'), key: path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.key.pem'), sm2: true };

const DISTID = 'distid:1234567812345678';
const EXTENSIONS = `[req]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ee]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
extendedKeyUsage = clientAuth, serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
`;

/** A scratch directory of certificates; remove() deletes it. */
export class CertFactory {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silkgate-certs-'));
  private n = 0;

  constructor() {
    fs.writeFileSync(path.join(this.dir, 'x509.cnf'), EXTENSIONS);
  }

  private openssl(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private newKey(kind: 'sm2' | 'rsa' | 'ec'): string {
    const file = `k${++this.n}.pem`;
    if (kind === 'sm2') this.openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', file);
    else if (kind === 'ec') this.openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file);
    else this.openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file);
    return file;
  }

  private result(keyFile: string, certFile: string): Issued {
    const certPem = fs.readFileSync(path.join(this.dir, certFile), 'utf8');
    const x = new X509Certificate(certPem);
    return { keyPem: fs.readFileSync(path.join(this.dir, keyFile), 'utf8'), certPem, der: Buffer.from(x.raw), fingerprint: x.fingerprint256.replace(/:/g, '').toLowerCase() };
  }

  /** A self-signed CA certificate. */
  ca(subject: string, kind: 'sm2' | 'rsa' = 'sm2'): CaFiles & Issued {
    const key = this.newKey(kind);
    const cert = `ca${this.n}.pem`;
    const digest = kind === 'sm2' ? ['-sm3', '-sigopt', DISTID] : ['-sha256'];
    this.openssl('req', '-new', '-x509', '-config', 'x509.cnf', '-extensions', 'ca', '-key', key, ...digest, '-utf8', '-subj', subject, '-days', '3650', '-out', cert);
    return { ...this.result(key, cert), cert: path.join(this.dir, cert), key: path.join(this.dir, key), sm2: kind === 'sm2' };
  }

  /** A key and a certificate for `subject` issued by `ca` (default: the sandbox CA); `self` makes it self-signed. */
  issue(subject: string, opts: { key?: 'sm2' | 'rsa' | 'ec'; ca?: CaFiles; self?: boolean; days?: number } = {}): Issued {
    const kind = opts.key ?? 'sm2';
    const key = this.newKey(kind);
    const cert = `c${this.n}.pem`;
    const reqDigest = kind === 'sm2' ? ['-sm3', '-sigopt', DISTID] : ['-sha256'];
    const days = String(opts.days ?? 365);
    if (opts.self) {
      this.openssl('req', '-new', '-x509', '-config', 'x509.cnf', '-extensions', 'ee', '-key', key, ...reqDigest, '-utf8', '-subj', subject, '-days', days, '-out', cert);
      return this.result(key, cert);
    }
    const ca = opts.ca ?? SANDBOX_CA;
    this.openssl('req', '-new', '-config', 'x509.cnf', '-key', key, ...reqDigest, '-utf8', '-subj', subject, '-out', `r${this.n}.csr`);
    const vfy = kind === 'sm2' ? ['-vfyopt', DISTID] : [];
    const sign = ca.sm2 ? ['-sm3', '-sigopt', DISTID] : ['-sha256'];
    this.openssl('x509', '-req', '-in', `r${this.n}.csr`, ...vfy, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`, ...sign, '-extfile', 'x509.cnf', '-extensions', 'ee', '-days', days, '-out', cert);
    return this.result(key, cert);
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
