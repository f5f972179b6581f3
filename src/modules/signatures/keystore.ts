/**
 * Signing keys at rest: AES-256-GCM under the key-encryption key (SILKGATE_KEY_ENCRYPTION_KEY),
 * with the owning enterprise and certificate as associated data, so a ciphertext moved to
 * another row does not decrypt. In demo mode without a configured key, one is generated into
 * <data dir>/key-encryption.key (0600); otherwise the platform holds no signing keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

export type KeyEncryption = { ok: true; key: Buffer; source: 'configured' | 'generated' | 'file' } | { ok: false; reason: string };

export const KEK_FILE = 'key-encryption.key';

/** The key-encryption key to use: the configured one, the demo file's, or none (with why). */
export function keyEncryptionKey(opts: { configured?: Buffer; demo: boolean; dataDir: string; warn: (msg: string) => void }): KeyEncryption {
  if (opts.configured) return { ok: true, key: opts.configured, source: 'configured' };
  if (!opts.demo) {
    return { ok: false, reason: 'The platform holds no signing keys: SILKGATE_KEY_ENCRYPTION_KEY (32 bytes, base64 or hex) is not set.' };
  }
  const file = path.join(opts.dataDir, KEK_FILE);
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key (base64); remove it to generate a new one (stored signing keys are then lost)`);
    return { ok: true, key, source: 'file' };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  opts.warn(`SILKGATE_KEY_ENCRYPTION_KEY is not set: generated one for the demo in ${file}. Set SILKGATE_KEY_ENCRYPTION_KEY (kept outside the data directory) in production.`);
  return { ok: true, key, source: 'generated' };
}

const aadOf = (enterpriseId: number, fingerprint: string) => Buffer.from(`silkgate signing key|${enterpriseId}|${fingerprint}`, 'utf8');

export function seal(kek: Buffer, plaintext: string, enterpriseId: number, fingerprint: string): Sealed {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(aadOf(enterpriseId, fingerprint));
  const ciphertext = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { ciphertext, iv, tag: c.getAuthTag() };
}

/** The plaintext, or null when the key-encryption key or the associated data do not match. */
export function unseal(kek: Buffer, s: Sealed, enterpriseId: number, fingerprint: string): string | null {
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', kek, s.iv);
    d.setAAD(aadOf(enterpriseId, fingerprint));
    d.setAuthTag(s.tag);
    return Buffer.concat([d.update(s.ciphertext), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}
