/**
 * The console's pages. Each feature is its own chunk, loaded when first visited, so the first
 * load carries only the shell; the charts and the map come with the pages that draw them.
 * A route is nested: the feature's component routes the rest of the path itself.
 * `roles`: who sees the page in the navigation and may open it (absent: every logged-in user).
 * `public`: anyone, without logging in.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { common } from './messages.ts';

export interface RouteDef {
  path: string;
  nav: keyof (typeof common)['zh-CN'];
  roles?: string[];
  public?: boolean;
  component: LazyExoticComponent<ComponentType>;
}

/** Enterprises that send declarations (and the operator, who sees them all). */
export const DECLARING = ['ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'operator'];
/** Who watches the zone: the operator and the regulators. */
export const WATCHING = ['operator', 'customs', 'commerce'];

export const ROUTES: RouteDef[] = [
  { path: '/workbench', nav: 'navWorkbench', roles: DECLARING, component: lazy(() => import('../workbench/WorkbenchPage.tsx')) },
  { path: '/monitor', nav: 'navMonitor', roles: WATCHING, component: lazy(() => import('../monitor/MonitorPage.tsx')) },
  { path: '/warehouses', nav: 'navWarehouses', public: true, component: lazy(() => import('../warehouses/WarehousesPage.tsx')) },
  { path: '/operator', nav: 'navOperator', roles: ['operator'], component: lazy(() => import('../operator/OperatorPage.tsx')) },
  { path: '/settings', nav: 'navSettings', component: lazy(() => import('../settings/SettingsPage.tsx')) },
  { path: '/status', nav: 'navStatus', public: true, component: lazy(() => import('../status/StatusPage.tsx')) },
];
export { lazy };
