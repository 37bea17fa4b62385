import type { Viewer } from '../types.js';

export interface NavEntry {
  href: string;
  label: string;
  icon: string;
}

/** Sidebar entries, shown as their pages exist. Settings sit apart at the bottom. */
const MAIN: NavEntry[] = [{ href: '/', label: 'Dashboard', icon: 'home' }];

export function navFor(viewer: Viewer | null): { main: NavEntry[]; settings: NavEntry | null } {
  if (!viewer) return { main: [], settings: null };
  const settings = viewer.role === 'admin' ? { href: '/settings/users', label: 'Settings', icon: 'settings' } : null;
  return { main: MAIN, settings };
}
