/** The certificates and signing_keys tables. Every method takes the executor it runs on (the database or a transaction). */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { CertificatesTable, SigningKeysTable } from './tables.ts';

type Db = Kysely<Database>;

export type CertificateRow = Selectable<CertificatesTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type NewCertificate = Omit<CertificateRow, 'id' | 'revoked_at'>;

/** int8 columns come back as numbers on both databases; ids through a join may not. */
const certRow = (r: CertificateRow): CertificateRow => ({
  ...r,
  id: Number(r.id),
  enterprise_id: Number(r.enterprise_id),
  not_before: Number(r.not_before),
  not_after: Number(r.not_after),
  registered_at: Number(r.registered_at),
  revoked_at: r.revoked_at == null ? null : Number(r.revoked_at),
  der: Buffer.from(r.der),
});

const keyRow = (r: SigningKeyRow): SigningKeyRow => ({
  ...r,
  id: Number(r.id),
  enterprise_id: Number(r.enterprise_id),
  certificate_id: Number(r.certificate_id),
  uses: Number(r.uses),
  last_used_at: r.last_used_at == null ? null : Number(r.last_used_at),
  created_at: Number(r.created_at),
  disabled_at: r.disabled_at == null ? null : Number(r.disabled_at),
  key_ciphertext: Buffer.from(r.key_ciphertext),
  key_iv: Buffer.from(r.key_iv),
  key_tag: Buffer.from(r.key_tag),
});

export class SignaturesRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async certificateByFingerprint(db: Db, fingerprint: string): Promise<CertificateRow | null> {
    const r = await db.selectFrom('certificates').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
    return r ? certRow(r) : null;
  }

  async certificate(db: Db, id: number): Promise<CertificateRow | null> {
    const r = await db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? certRow(r) : null;
  }

  /** Certificates of the enterprises given (null: all), newest first. */
  async certificates(db: Db, enterpriseIds: number[] | null, purpose?: CertificateRow['purpose']): Promise<CertificateRow[]> {
    let q = db.selectFrom('certificates').selectAll().orderBy('id', 'desc');
    if (enterpriseIds) q = q.where('enterprise_id', 'in', enterpriseIds);
    if (purpose) q = q.where('purpose', '=', purpose);
    return (await q.execute()).map(certRow);
  }

  async insertCertificate(db: Db, c: NewCertificate): Promise<CertificateRow> {
    const r = await db.insertInto('certificates').values({ ...c, revoked_at: null }).returningAll().executeTakeFirstOrThrow();
    return certRow(r);
  }

  async revokeCertificate(db: Db, id: number, now: number): Promise<boolean> {
    const r = await db.updateTable('certificates').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async insertKey(db: Db, k: Omit<SigningKeyRow, 'id' | 'uses' | 'last_used_at' | 'disabled_at'>): Promise<SigningKeyRow> {
    const r = await db.insertInto('signing_keys').values({ ...k, last_used_at: null, disabled_at: null }).returningAll().executeTakeFirstOrThrow();
    return keyRow(r);
  }

  async key(db: Db, id: number): Promise<SigningKeyRow | null> {
    const r = await db.selectFrom('signing_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? keyRow(r) : null;
  }

  /** Keys (no plaintext exists anywhere) of the enterprises given (null: all), with their certificates, newest first. */
  async keys(db: Db, enterpriseIds: number[] | null): Promise<Array<SigningKeyRow & { serial_hex: string; fingerprint: string; not_after: number; revoked_at: number | null }>> {
    let q = db
      .selectFrom('signing_keys as k')
      .innerJoin('certificates as c', 'c.id', 'k.certificate_id')
      .selectAll('k')
      .select(['c.serial_hex', 'c.fingerprint', 'c.not_after', 'c.revoked_at'])
      .orderBy('k.id', 'desc');
    if (enterpriseIds) q = q.where('k.enterprise_id', 'in', enterpriseIds);
    return (await q.execute()).map((r) => ({ ...keyRow(r), serial_hex: r.serial_hex, fingerprint: r.fingerprint, not_after: Number(r.not_after), revoked_at: r.revoked_at == null ? null : Number(r.revoked_at) }));
  }

  /** The enabled keys of an enterprise whose certificate is not revoked, newest first. */
  async usableKeys(db: Db, enterpriseId: number): Promise<Array<{ key: SigningKeyRow; certificate: CertificateRow }>> {
    const keys = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('enterprise_id', '=', enterpriseId)
      .where('disabled_at', 'is', null)
      .orderBy('id', 'desc')
      .execute();
    const out: Array<{ key: SigningKeyRow; certificate: CertificateRow }> = [];
    for (const k of keys) {
      const certificate = await this.certificate(db, Number(k.certificate_id));
      if (certificate && certificate.revoked_at === null) out.push({ key: keyRow(k), certificate });
    }
    return out;
  }

  /** The enabled key of one certificate, if any. */
  async enabledKeyOf(db: Db, certificateId: number): Promise<SigningKeyRow | null> {
    const r = await db.selectFrom('signing_keys').selectAll().where('certificate_id', '=', certificateId).where('disabled_at', 'is', null).executeTakeFirst();
    return r ? keyRow(r) : null;
  }

  /** Disables a key and erases its ciphertext: a disabled key can never sign again. */
  async disableKey(db: Db, id: number, now: number): Promise<boolean> {
    const empty = Buffer.alloc(0);
    const r = await db
      .updateTable('signing_keys')
      .set({ disabled_at: now, key_ciphertext: empty, key_iv: empty, key_tag: empty })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Disables (and erases) every enabled key of a certificate; returns their ids. */
  async disableKeysOf(db: Db, certificateId: number, now: number): Promise<number[]> {
    const ids = (await db.selectFrom('signing_keys').select('id').where('certificate_id', '=', certificateId).where('disabled_at', 'is', null).execute()).map((r) => Number(r.id));
    for (const id of ids) await this.disableKey(db, id, now);
    return ids;
  }

  async noteUse(db: Db, id: number, now: number): Promise<void> {
    await db
      .updateTable('signing_keys')
      .set((eb) => ({ uses: eb('uses', '+', 1), last_used_at: now }))
      .where('id', '=', id)
      .execute();
  }
}
