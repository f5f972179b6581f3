/** The accounts module's tables (Kysely row types): console accounts and their sessions. */
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: Generated<number>;
  enterprise_id: number;
  username: string;
  display_name: string;
  password_hash: string;
  failed_logins: Generated<number>;
  locked_until: number | null;
  last_login_at: number | null;
  disabled_at: number | null;
  created_at: number;
  password_changed_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  account_id: number;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface AccountsTables {
  accounts: AccountsTable;
  sessions: SessionsTable;
}
