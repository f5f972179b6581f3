/**
 * Signatures: XML-DSig checks of declarations against the certificates enterprises registered,
 * the certificate registry (signing and mTLS client certificates), signing keys held for
 * enterprises and signing as a service.
 */
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { SANDBOX_CA_PEM } from '../../demo/keys.ts';
import { keyEncryptionKey } from './keystore.ts';
import { SignaturesRepository } from './signatures.repository.ts';
import { SignaturesService, type AuditPort, type EnterpriseDirectory } from './signatures.service.ts';
import { TrustStore } from './trust.ts';

export type { SignaturesTables } from './tables.ts';
export { SignaturesService, SIGNATURE_REQUIRED, PURPOSES, type CertificateView, type SigningKeyView, type EnterpriseDirectory, type SignedMessage, type Purpose } from './signatures.service.ts';
export { signaturesRoutes, SIGNED_BY_HEADERS } from './signatures.routes.ts';
export { signMessageTask, type SignRequest, type Signed } from './sign.task.ts';
export { ensureDemoKeys } from './demo.ts';
export { httpsOptions, clientCertificateAuthenticator, type TlsSettings, type HttpsOptions } from './tls.ts';
export { KEK_FILE } from './keystore.ts';

export interface SignaturesSettings {
  /** PEM bundle of the trust anchors (the e-port CA). */
  trustedCaFile?: string;
  /** 32-byte key-encryption key of the signing keys held by the platform. */
  keyEncryptionKey?: Buffer;
  /** The CA of TLS client certificates (SILKGATE_TLS_CLIENT_CA): client certificates it issued may be registered too. */
  clientCaFile?: string;
}

export interface SignaturesDeps {
  db: Kysely<Database>;
  audit: AuditPort;
  enterprises: EnterpriseDirectory;
  cpu: Cpu;
  settings: SignaturesSettings;
  /** Demo mode: the sandbox CA is a trust anchor too, and a missing key-encryption key is generated. */
  demo: boolean;
  dataDir: string;
  warn: (msg: string) => void;
}

export function createSignatures(d: SignaturesDeps): SignaturesService {
  const read = (file: string, name: string) => {
    try {
      return { pem: fs.readFileSync(file, 'utf8'), source: `${name} (${file})` };
    } catch (e) {
      throw new Error(`${name}: cannot read ${file} (${(e as Error).message})`);
    }
  };
  const bundles: Array<{ pem: string; source: string }> = [];
  if (d.settings.trustedCaFile) bundles.push(read(d.settings.trustedCaFile, 'SILKGATE_TRUSTED_CA_FILE'));
  if (d.demo) bundles.push({ pem: SANDBOX_CA_PEM, source: 'sandbox CA (demo mode)' });
  const trust = TrustStore.from(bundles);
  // Client certificates: whatever the TLS layer accepts may be registered as such, besides the anchors.
  const clientTrust = d.settings.clientCaFile ? TrustStore.from([...bundles, read(d.settings.clientCaFile, 'SILKGATE_TLS_CLIENT_CA')]) : trust;
  const kek = keyEncryptionKey({ configured: d.settings.keyEncryptionKey, demo: d.demo, dataDir: d.dataDir, warn: d.warn });
  return new SignaturesService(new SignaturesRepository(d.db), d.audit, d.enterprises, d.cpu, { signing: trust, client: clientTrust }, kek);
}
