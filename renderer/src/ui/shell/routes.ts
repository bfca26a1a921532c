// The editor's addresses: one hash route per screen and per page, so they work under
// `app://usine/` (Electron) and `/app/` (browser) alike; Back, Forward and reload keep the place.
import {
  FileText,
  Gavel,
  Image,
  LayoutDashboard,
  type LucideIcon,
  Newspaper,
  CalendarDays,
  Settings,
  Send,
} from 'lucide-react';

export const ROUTES = {
  dashboard: '/tableau-de-bord',
  pages: '/pages',
  news: '/actualites',
  agenda: '/agenda',
  actes: '/actes',
  media: '/medias',
  settings: '/parametres',
  menus: '/parametres/menus',
  publication: '/publication',
  /** « À propos et aide », from the account menu (not in the side navigation). */
  help: '/aide',
} as const;

export function pageRoute(id: string): string {
  return `${ROUTES.pages}/${encodeURIComponent(id)}`;
}

export interface NavEntry {
  path: string;
  label: string;
  icon: LucideIcon;
}

/** The side navigation, in order; the labels are the links' accessible names. */
export const NAV_ENTRIES: readonly NavEntry[] = [
  { path: ROUTES.dashboard, label: 'Tableau de bord', icon: LayoutDashboard },
  { path: ROUTES.pages, label: 'Pages', icon: FileText },
  { path: ROUTES.news, label: 'Actualités', icon: Newspaper },
  { path: ROUTES.agenda, label: 'Agenda', icon: CalendarDays },
  { path: ROUTES.actes, label: 'Actes', icon: Gavel },
  { path: ROUTES.media, label: 'Médiathèque', icon: Image },
  { path: ROUTES.settings, label: 'Paramètres du site', icon: Settings },
  { path: ROUTES.publication, label: 'Publication', icon: Send },
];

/** Where the breadcrumb says you are on a screen outside the side navigation. */
export const OTHER_SCREEN_LABELS: Readonly<Record<string, string>> = {
  [ROUTES.help]: 'À propos et aide',
};

/** The nav entry a location belongs to (a page belongs to « Pages »). */
export function navEntryOf(location: string): NavEntry | undefined {
  return NAV_ENTRIES.find((e) => location === e.path || location.startsWith(`${e.path}/`));
}
