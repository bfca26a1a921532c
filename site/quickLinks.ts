/**
 * « Accès rapides »: the tiles of the home page the référent chooses in the settings (SPEC
 * [THEME-3]), one per line of the `quickLinks` setting: `icône ; page ou https://… ; libellé`.
 */
import { isIconName, type IconName } from './icons';

export const QUICK_LINKS_MAX = 8;

export interface QuickLink {
  icon: IconName;
  /** A page's address (its slug) or an absolute http(s) URL. */
  target: string;
  /** '' when the page's title is to be used. */
  label: string;
}

/** The tiles of a `quickLinks` value, and French problems (line by line); never throws. */
export function parseQuickLinks(text: string): { links: QuickLink[]; issues: string[] } {
  const links: QuickLink[] = [];
  const issues: string[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 100);
  lines.forEach((line, i) => {
    const [icon = '', target = '', label = ''] = line.split(';').map((c) => c.trim());
    const where = `Accès rapides, ligne ${i + 1}`;
    if (!isIconName(icon)) issues.push(`${where} : icône « ${icon.slice(0, 40)} » inconnue.`);
    else if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(target) && !/^https?:\/\/[^\s/]+\.\S*$/.test(target))
      issues.push(
        `${where} : indiquez l’adresse d’une page (par exemple carte-d-identite) ou un lien https://…`,
      );
    else if (links.length >= QUICK_LINKS_MAX)
      issues.push(`${where} : ${QUICK_LINKS_MAX} tuiles au plus ; celle-ci n’est pas affichée.`);
    else links.push({ icon, target, label: label.slice(0, 80) });
  });
  return { links, issues };
}
