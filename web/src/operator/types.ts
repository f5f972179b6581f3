/** What the operator pages read from the API, and the filing state machine as the API applies it. */
import type { FilingStatus } from '../../../src/modules/enterprises/views.ts';

/** The filing as the API shows it: the server's own types (type-only, erased at build). */
export type { DocumentView as DocumentInfo, EnterpriseView as Enterprise, HistoryEntry } from '../../../src/modules/enterprises/views.ts';
export type Status = FilingStatus;
export const STATUSES: Status[] = ['pending', 'approved', 'rejected', 'suspended', 'revoked'];

export type Decision = 'approve' | 'reject' | 'suspend' | 'reinstate' | 'revoke';

/** src/modules/enterprises/rules.ts TRANSITIONS: the states each decision applies to, and whether it needs a reason. */
export const TRANSITIONS: Record<Decision, { from: Status[]; reason: boolean }> = {
  approve: { from: ['pending'], reason: false },
  reject: { from: ['pending'], reason: true },
  suspend: { from: ['approved'], reason: true },
  reinstate: { from: ['suspended'], reason: false },
  revoke: { from: ['approved', 'suspended'], reason: true },
};

export const ROLES = ['operator', 'ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank', 'customs', 'commerce'] as const;

/** A translation when the table has the key, else the key itself (a value newer than the console). */
export function known<K extends string>(t: (k: K) => string, keys: Record<K, string>, key: string): string {
  return Object.hasOwn(keys, key) ? t(key as K) : key;
}
