/**
 * The sandbox CA and the demo enterprises' signing keys (src/demo/keys/, made by
 * scripts/gen-demo-keys.sh). Published with the source: for the sandbox, tests and the demo only.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signCeb, type SigningKey } from '../ceb/dsig.ts';

/** Where the sandbox keys live (tests issue further certificates with the CA key there). */
export const SANDBOX_KEYS_DIR = fileURLToPath(new URL('./keys/', import.meta.url));

const read = (name: string) => fs.readFileSync(SANDBOX_KEYS_DIR + name, 'utf8');

/** "Silkgate 沙箱证书中心 (sandbox only)": trusted in demo mode only. */
export const SANDBOX_CA_PEM = read('sandbox-ca.pem');

/** Customs codes of the demo enterprises that hold an SM2 signing key. */
export const DEMO_KEY_CODES = ['3301964J31', '3301966A01', '3122260001', '3301980L01', '3301W60001', '3301980A02', '3301960OW1'] as const;

const cache = new Map<string, SigningKey>();

function load(name: string, algorithm: SigningKey['algorithm']): SigningKey {
  let key = cache.get(name);
  if (!key) {
    const certificateDer = Buffer.from(new X509Certificate(read(`${name}.cert.pem`)).raw);
    key = { algorithm, privateKeyPem: read(`${name}.key.pem`), certificateDer };
    cache.set(name, key);
  }
  return key;
}

/** The SM2 demo key of a demo enterprise, by customs code; undefined for any other code. */
export function demoSigningKey(code: string): SigningKey | undefined {
  return (DEMO_KEY_CODES as readonly string[]).includes(code) ? load(code, 'sm2-sm3') : undefined;
}

/** The RSA-2048 test key of the declaration agent 3301980A02 (legacy RSA-SHA1 signatures). */
export function demoRsaKey(): SigningKey {
  return load('rsa-test', 'rsa-sha1');
}

/** Signs an unsigned CEB message with the demo key of `code`. */
export function demoSign(xml: string, code: string): string {
  const key = demoSigningKey(code);
  if (!key) throw new Error(`no demo signing key for ${code} (demo keys: ${DEMO_KEY_CODES.join(', ')})`);
  return signCeb(xml, key);
}
