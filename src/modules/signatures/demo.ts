/**
 * The demo zone's signing keys: each declaring demo enterprise gets its sandbox certificate
 * registered and its key held by the platform, so demo flows are signed for real (by the
 * enterprise's own tools with src/demo/keys, or by POST /api/v1/signatures). Idempotent.
 */
import { X509Certificate } from 'node:crypto';
import { DEMO_KEY_CODES, demoSigningKey } from '../../demo/keys.ts';
import type { EnterpriseDirectory, SignaturesService } from './signatures.service.ts';

export async function ensureDemoKeys(signatures: SignaturesService, enterprises: Pick<EnterpriseDirectory, 'byCode'>): Promise<number> {
  let changed = 0;
  for (const code of DEMO_KEY_CODES) {
    const e = await enterprises.byCode(code);
    const key = demoSigningKey(code);
    // Only the demo enterprise itself (code and name as in its sandbox certificate), never a real one that shares a code.
    if (!e || !key || !new X509Certificate(key.certificateDer).subject.includes(e.name)) continue;
    if ((await signatures.ensureKey(e.id, key)) !== 'present') changed++;
  }
  return changed;
}
