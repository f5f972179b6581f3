/** The signatures module's tables (Kysely row types): the certificate registry and platform-held signing keys. */
import type { Generated } from 'kysely';

export interface CertificatesTable {
  id: Generated<number>;
  enterprise_id: number;
  /** signing (XML-DSig of declarations) or client (mTLS). */
  purpose: 'signing' | 'client';
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  serial_hex: string;
  subject: string;
  issuer: string;
  algorithm: string;
  not_before: number;
  not_after: number;
  der: Buffer;
  registered_at: number;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  id: Generated<number>;
  enterprise_id: number;
  certificate_id: number;
  algorithm: string;
  key_ciphertext: Buffer;
  key_iv: Buffer;
  key_tag: Buffer;
  uses: Generated<number>;
  last_used_at: number | null;
  created_at: number;
  disabled_at: number | null;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface SignaturesTables {
  certificates: CertificatesTable;
  signing_keys: SigningKeysTable;
}
