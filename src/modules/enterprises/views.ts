/**
 * A filing as the API shows it: the enterprise, its documents, its history. Types only, importing
 * nothing: the console (web/) reads them with `import type`, so this file must stay free of imports.
 */

/** EnterpriseStatus (platform/access.ts), spelt out here to keep this file import-free; enterpriseView assigns the one to the other. */
export type FilingStatus = 'pending' | 'approved' | 'rejected' | 'suspended' | 'revoked';

export interface Contact {
  name: string;
  phone: string;
  email: string;
  /** Their role for the enterprise, e.g. 法定代表人, 业务联系人. */
  role: string;
}

export interface EnterpriseView {
  id: number;
  code: string;
  name: string;
  uscc: string | null;
  dxpId: string;
  roles: string[];
  status: FilingStatus;
  contacts: Contact[];
  createdAt: string;
  updatedAt: string | null;
}

export interface HistoryEntry {
  id: number;
  action: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  actor: string | null;
  actorId: number | null;
  changes: Record<string, { before: unknown; after: unknown }>;
  detail: Record<string, unknown>;
  at: string;
}

export interface DocumentView {
  id: number;
  kind: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}
