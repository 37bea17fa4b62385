import type { Viewer } from '../types.js';

export interface NavEntry {
  href: string;
  label: string;
  icon: string;
  /** Other path prefixes that belong to this entry (customer groups sit under Customers). */
  also?: string[];
}

/** Sidebar entries, shown as their pages exist. Settings sit apart at the bottom. */
const MAIN: NavEntry[] = [
  { href: '/', label: 'Dashboard', icon: 'home' },
  { href: '/leads', label: 'Leads', icon: 'inbox' },
  { href: '/deals/board', label: 'Deals', icon: 'kanban', also: ['/deals'] },
  { href: '/companies', label: 'Companies', icon: 'building' },
  { href: '/contacts', label: 'Contacts', icon: 'user' },
  { href: '/customers', label: 'Customers', icon: 'wallet', also: ['/customer-groups'] },
  { href: '/tasks/mine', label: 'Tasks', icon: 'check', also: ['/tasks'] },
  { href: '/reports/forecast', label: 'Reports', icon: 'chart', also: ['/reports'] },
  { href: '/import', label: 'Import', icon: 'upload' },
  { href: '/duplicates', label: 'Duplicates', icon: 'merge' },
];

export interface SettingsTab {
  href: string;
  label: string;
  /** One line on the settings index. */
  about: string;
  roles: Viewer['role'][];
}

const SETTINGS_TABS: SettingsTab[] = [
  { href: '/settings/crm', label: 'CRM', about: 'Currency, date format, time zone, list sizes, who sees what; import, export and backup.', roles: ['admin'] },
  { href: '/settings/users', label: 'Users', about: 'Who signs in, their role, and whether they are active.', roles: ['admin'] },
  { href: '/settings/pipelines', label: 'Pipelines', about: 'Pipelines and their stages: order, colour, probability and when a deal starts to rot.', roles: ['admin', 'manager'] },
  { href: '/settings/lead-statuses', label: 'Lead statuses', about: 'The steps a lead goes through: order, colour, the default, final ones and where converted leads go.', roles: ['admin', 'manager'] },
  { href: '/settings/directories', label: 'Directories', about: 'The lists forms choose from: industries, lost reasons, sources and more.', roles: ['admin', 'manager'] },
  { href: '/settings/webhooks', label: 'Webhooks', about: 'Tell other systems when deals, leads and records change: signed HTTP calls, retried, with a delivery log.', roles: ['admin'] },
  { href: '/settings/api-tokens', label: 'API tokens', about: 'Every personal API token: whose, its scope, when it was last used; revoke any.', roles: ['admin'] },
  { href: '/settings/security', label: 'Security log', about: 'Sign-ins, failed attempts and two-factor changes.', roles: ['admin'] },
];

export function navFor(viewer: Viewer | null): { main: NavEntry[]; settings: NavEntry | null; settingsTabs: SettingsTab[] } {
  if (!viewer) return { main: [], settings: null, settingsTabs: [] };
  const settingsTabs = SETTINGS_TABS.filter((t) => t.roles.includes(viewer.role));
  const settings = settingsTabs.length ? { href: '/settings', label: 'Settings', icon: 'settings' } : null;
  return { main: MAIN, settings, settingsTabs };
}

export function isActive(entry: NavEntry, path: string): boolean {
  if (entry.href === '/') return path === '/';
  return [entry.href, ...(entry.also ?? [])].some((p) => path === p || path.startsWith(p + '/'));
}
