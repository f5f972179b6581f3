/** What the certificate registry and the signing service share: purposes, ports to other modules, small helpers. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { ParsedCertificate } from '../../ceb/certificate.ts';
import type { Issue } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { Caller, Scope } from '../../platform/access.ts';
import type { AuditEntry } from '../audit/index.ts';
import type { CertificateRow } from './signatures.repository.ts';
import { isUniqueViolation } from '../../db/index.ts';

export type Purpose = CertificateRow['purpose'];
export const PURPOSES: readonly Purpose[] = ['signing', 'client'];

/** Message types whose XSD requires the ds:Signature (the 申报 of 621, 623, 625, 711). */
export const SIGNATURE_REQUIRED = new Set(['CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message']);

/** What this module needs of the enterprises module. */
export interface EnterpriseDirectory {
  byId(id: number): Promise<{ id: number; code: string; name: string; status: string } | null>;
  byCode(code: string): Promise<{ id: number; code: string; name: string; status: string } | null>;
  callerFor(enterpriseId: number, via: 'certificate', scopes: ReadonlySet<Scope>): Promise<Caller | null>;
}

export interface AuditPort {
  append(trx: Kysely<Database>, entries: AuditEntry[]): Promise<void>;
}

export type Owner = { id: number; code: string; name: string };
export const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

/** Looked up before a transaction opens: on SQLite a query outside the open transaction would wait for it. */
export async function ownerOf(enterprises: EnterpriseDirectory, enterpriseId: number): Promise<Owner> {
  const e = await enterprises.byId(enterpriseId);
  if (!e) throw new AppError('NOT_FOUND', `No enterprise ${enterpriseId}.`);
  return e;
}

export function actorOf(c: Caller): string {
  return c.accountId !== undefined ? `account:${c.accountId}@${c.code}` : `enterprise:${c.code}`;
}

/** Two registrations of one certificate at once: the unique index decides, the loser gets 409. */
export async function duplicateIsConflict<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('CONFLICT', 'This certificate is already registered.', [{ path: 'certificate', rule: 'unique', expected: 'a certificate not registered yet', actual: 'registered meanwhile' }]);
    }
    throw err;
  }
}

export function bad(message: string, issues: Issue[]): AppError {
  return new AppError('INVALID_REQUEST', message, issues);
}

export function keyAlgorithm(p: ParsedCertificate): string {
  if (p.sm2PublicKey) return 'sm2';
  return p.x509?.publicKey.asymmetricKeyType ?? 'unknown';
}
