/** What the operator pages read from the API, and the filing state machine as the API applies it. */
export type Status = 'pending' | 'approved' | 'rejected' | 'suspended' | 'revoked';
export const STATUSES: Status[] = ['pending', 'approved', 'rejected', 'suspended', 'revoked'];

export interface Enterprise {
  id: number;
  code: string;
  name: string;
  uscc: string | null;
  dxpId: string;
  roles: string[];
  status: Status;
  contacts: Array<{ name: string; phone: string; email: string; role: string }>;
  createdAt: string;
  updatedAt: string | null;
}

export interface DocumentInfo {
  id: number;
  kind: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}

export interface HistoryEntry {
  id: number;
  action: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  actor: string | null;
  at: string;
}

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
