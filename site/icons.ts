/**
 * The small built-in set of icons of the « Accès rapides » tiles (SPEC [THEME-3]): 24×24
 * stroke drawings written inline in the page (no request), coloured by CSS (`.icon`).
 * Decorative: the tile's text names the link.
 */

export const ICONS = {
  demarches: { label: 'Démarches (document)', d: 'M6 2h9l5 5v15H6zM14 2v6h6M9 13h8M9 17h8' },
  'etat-civil': {
    label: 'État civil (personne)',
    d: 'M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM3 22c0-5 4-8 9-8s9 3 9 8',
  },
  agenda: { label: 'Agenda (calendrier)', d: 'M4 5h16v16H4zM4 10h16M8 3v4M16 3v4' },
  actualites: {
    label: 'Actualités (journal)',
    d: 'M4 4h13v16H6a2 2 0 0 1-2-2zM17 8h3v10a2 2 0 0 1-2 2M7 8h7M7 12h7M7 16h4',
  },
  mairie: { label: 'Mairie (bâtiment)', d: 'M2 10l10-7 10 7M5 21V10M19 21V10M3 21h18M9 21v-6h6v6' },
  urbanisme: { label: 'Urbanisme (maison)', d: 'M3 11l9-8 9 8M5 9v12h14V9M10 21v-6h4v6' },
  ecole: { label: 'École et cantine (couverts)', d: 'M7 2v20M4 2v6a3 3 0 0 0 6 0V2M17 22V2c-2 2-3 5-3 8h3' },
  associations: {
    label: 'Associations (groupe)',
    d: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-7 7-7s7 3 7 7M16 3.5a4 4 0 0 1 0 7.5M18 14c2.5 1 4 3.5 4 7',
  },
  contact: {
    label: 'Contact (téléphone)',
    d: 'M5 3h4l2 5-3 2a11 11 0 0 0 6 6l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z',
  },
  dechets: { label: 'Déchets (poubelle)', d: 'M4 6h16M9 6V3h6v3M6 6l1 15h10l1-15M10 10v7M14 10v7' },
  risques: { label: 'Risques (alerte)', d: 'M12 3 2 21h20zM12 10v5M12 18v.01' },
  actes: {
    label: 'Actes (balance)',
    d: 'M12 3v18M6 21h12M4 7h16M7 7l-3 7a3 3 0 0 0 6 0zM17 7l-3 7a3 3 0 0 0 6 0z',
  },
  transports: { label: 'Transports (bus)', d: 'M5 3h14v14H5zM5 11h14M7 20v-3M17 20v-3M8 14h.01M16 14h.01' },
  environnement: { label: 'Environnement (arbre)', d: 'M12 22v-6M12 2l7 12H5zM8 16h8' },
  plan: {
    label: 'Plan (repère)',
    d: 'M12 22s7-7 7-12a7 7 0 0 0-14 0c0 5 7 12 7 12zM12 12a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  },
  info: { label: 'Information', d: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7v.01' },
} as const satisfies Record<string, { label: string; d: string }>;

export type IconName = keyof typeof ICONS;

export function isIconName(name: string): name is IconName {
  return Object.prototype.hasOwnProperty.call(ICONS, name);
}

/** The inline, decorative SVG of an icon. */
export function iconSvg(name: IconName): string {
  return `<svg class="icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true"><path d="${ICONS[name].d}"/></svg>`;
}

/**
 * The HTML without the theme's own markup (its icons and its search forms), for tests that
 * check no markup ever comes from the content.
 */
export function withoutThemeMarkup(html: string): string {
  let out = html.replace(
    /<form class="search" role="search"(?: aria-label="Rechercher la page")? method="get" action="(?:\.\.?\/)(?:plan-du-site\/index\.html|recherche\/)">/g,
    '',
  );
  for (const name of Object.keys(ICONS) as IconName[]) out = out.split(iconSvg(name)).join('');
  return out;
}
