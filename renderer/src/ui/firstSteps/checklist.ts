// « Premiers pas »: what a new site still needs, each step computed from the facts (the
// settings, the pages, the last publication) and pointing to the place where it is done.
import { type SiteSettingsFull, validateSettings } from '../../../../site/settings';
import type { PageMeta, PageType } from '../../../../site/siteDoc';
import { ROUTES } from '../shell/routes';

export type StepId = 'settings' | 'identity' | 'pages' | 'publication';

export interface FirstStep {
  id: StepId;
  title: string;
  done: boolean;
  /** What is missing, in a sentence (or what was done). */
  detail: string;
  /** Where to do it: a hash route of the editor. */
  route: string;
  /** The link's text. */
  action: string;
}

export interface FirstStepsFacts {
  settings: SiteSettingsFull;
  /** The accent colour was chosen (set in the settings), not only the default. */
  accentChosen: boolean;
  pages: readonly PageMeta[];
  /** Last publication: a time, null when never, undefined when unknown (offline, never asked). */
  lastPublishedAt: number | null | undefined;
}

/** The pages every commune site needs, by type. */
export const ESSENTIAL_PAGES: ReadonlyArray<{ type: PageType; label: string }> = [
  { type: 'accueil', label: 'Accueil' },
  { type: 'contact', label: 'Horaires et contact' },
  { type: 'elus', label: 'Conseil municipal' },
  { type: 'demarche', label: 'une démarche' },
];

const SETTING_LABELS: Record<string, string> = {
  name: 'le nom de la commune',
  address: 'l’adresse de la mairie',
  phone: 'le téléphone',
  email: 'l’adresse e-mail de contact',
  mayorName: 'le nom du maire',
};

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} et ${items.at(-1)}`;
}

function settingsStep(settings: SiteSettingsFull): FirstStep {
  const issues = validateSettings(settings);
  const missing = [...new Set(issues.map((i) => SETTING_LABELS[i.field]).filter((l): l is string => !!l))];
  const detail =
    issues.length === 0
      ? 'Les coordonnées de la mairie et le nom du maire sont renseignés.'
      : missing.length > 0
        ? `Il manque ${list(missing)}.`
        : `${issues.length === 1 ? 'Un paramètre est à corriger' : `${issues.length} paramètres sont à corriger`}.`;
  return {
    id: 'settings',
    title: 'Renseigner les coordonnées de la mairie',
    done: issues.length === 0,
    detail,
    route: ROUTES.settings,
    action: 'Ouvrir les paramètres du site',
  };
}

function identityStep(settings: SiteSettingsFull, accentChosen: boolean): FirstStep {
  const missing = [
    settings.logo ? '' : 'le logo ou le blason',
    accentChosen ? '' : 'la couleur du site',
  ].filter(Boolean);
  return {
    id: 'identity',
    title: 'Ajouter le logo et choisir la couleur',
    done: missing.length === 0,
    detail: missing.length === 0 ? 'Le logo et la couleur sont choisis.' : `Il manque ${list(missing)}.`,
    route: ROUTES.settings,
    action: 'Choisir le logo et la couleur',
  };
}

function pagesStep(pages: readonly PageMeta[]): FirstStep {
  const missing = ESSENTIAL_PAGES.filter((e) => !pages.some((p) => p.type === e.type)).map((e) =>
    e.type === 'demarche' ? e.label : `« ${e.label} »`,
  );
  return {
    id: 'pages',
    title: 'Créer les pages essentielles',
    done: missing.length === 0,
    detail:
      missing.length === 0
        ? 'Accueil, horaires et contact, conseil municipal et démarches sont créés.'
        : `Il manque ${list(missing)}.`,
    route: ROUTES.pages,
    action: 'Voir les pages',
  };
}

function publicationStep(lastPublishedAt: number | null | undefined): FirstStep {
  return {
    id: 'publication',
    title: 'Publier le site une première fois',
    done: typeof lastPublishedAt === 'number',
    detail:
      typeof lastPublishedAt === 'number'
        ? 'Le site est en ligne.'
        : lastPublishedAt === null
          ? 'Le site n’a encore jamais été publié.'
          : 'Impossible de savoir si le site a été publié (hors ligne).',
    route: ROUTES.publication,
    action: 'Aller à la publication',
  };
}

export function firstSteps(facts: FirstStepsFacts): FirstStep[] {
  return [
    settingsStep(facts.settings),
    identityStep(facts.settings, facts.accentChosen),
    pagesStep(facts.pages),
    publicationStep(facts.lastPublishedAt),
  ];
}
