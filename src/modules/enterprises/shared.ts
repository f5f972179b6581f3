/** What the module's services share: who acted, the one way to refuse, and a unique-violation test. */
import type { Issue } from '../../ceb/index.ts';
import { isOperator, isRegulator, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';

/** Who made a change: `label` goes to the audit log, `id` to the enterprise's history. */
export interface Actor {
  label: string;
  id: number | null;
  /** How the actor authenticated (never a secret): key id or console account id. */
  via?: { kind: Caller['via']; keyId?: number; accountId?: number };
}

export const SYSTEM: Actor = { label: 'system', id: null };

export function actorOf(c: Caller): Actor {
  return {
    label: c.accountId !== undefined ? `account:${c.accountId}@${c.code}` : `enterprise:${c.code}`,
    id: c.id,
    via: { kind: c.via, ...(c.keyId !== undefined ? { keyId: c.keyId } : {}), ...(c.accountId !== undefined ? { accountId: c.accountId } : {}) },
  };
}

/** The operator and regulators see every enterprise; others only themselves. */
export const seesAll = (c: Caller): boolean => c.readable === 'all';
export const regulatorOnly = (c: Caller): boolean => isRegulator(c) && !isOperator(c);

export const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(Number(ms)).toISOString());

export function invalid(message: string, issues: Issue[]): AppError {
  return new AppError('INVALID_REQUEST', message, issues);
}

export function conflict(message: string, issues: Issue[]): AppError {
  return new AppError('CONFLICT', message, issues);
}

export function notFound(what: string, id: number | string): AppError {
  return new AppError('NOT_FOUND', `No ${what} ${id} that you may see.`, [{ path: 'id', rule: 'exists', expected: `a ${what} you may see`, actual: String(id) }]);
}

export { isUniqueViolation } from '../../db/index.ts';

/** Parses an ISO 8601 time given in a request; refuses anything else with the field named. */
export function parseTime(value: string, path: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`${path} is not a date-time.`, [{ path, rule: 'date-time', expected: 'an ISO 8601 date-time, e.g. 2030-12-31T00:00:00+08:00', actual: value }]);
  return ms;
}
