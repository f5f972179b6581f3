/** Who keeps directory entries: an overseas-warehouse enterprise its own, the operator any (the API decides; the console only offers what it would allow). */
import { hasRole, type Session } from '../session.tsx';
import type { Warehouse } from './types.ts';

export const mayAdd = (s: Session | null | undefined): boolean => hasRole(s, 'overseas');

export const mayChange = (s: Session | null | undefined, w: Warehouse): boolean =>
  !!s && (hasRole(s, 'operator') || (hasRole(s, 'overseas') && w.enterpriseId === s.enterprise.id));
