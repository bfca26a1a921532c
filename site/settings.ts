/**
 * The commune's site settings (manifest `settings` Y.Map): identity, logo, contact, mayor
 * (publication director), accent colour from a palette that passes RGAA contrast, and the
 * accessibility status. One zod schema shared by the editor's form and the publisher.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import type { FieldDescriptor, FieldOption } from './pageTypes';
import { DATE, SHA256 } from './pageTypes';
import { ICONS } from './icons';
import { parseQuickLinks } from './quickLinks';
import { settingsMap, type SiteSettings } from './siteDoc';

/**
 * Accent colours offered to communes. `value` is used on the light theme (≥ 4.5:1 on white,
 * and white text on it ≥ 4.5:1), `dark` on the dark theme (≥ 4.5:1 on #161616): see
 * settings.test.ts, which checks every pair.
 */
export const ACCENT_PALETTE = [
  { value: '#000091', dark: '#b1b1ff', label: 'Bleu France' },
  { value: '#18753c', dark: '#6fe49d', label: 'Vert émeraude' },
  { value: '#c9191e', dark: '#ff9c99', label: 'Rouge Marianne' },
  { value: '#6e445a', dark: '#e8b8d0', label: 'Prune' },
  { value: '#a94645', dark: '#ffb4b0', label: 'Terre battue' },
  { value: '#00605e', dark: '#6fdbd7', label: 'Bleu canard' },
  { value: '#7a4e1f', dark: '#f0c48c', label: 'Brun tilleul' },
  { value: '#3a3a3a', dark: '#d0d0d0', label: 'Anthracite' },
] as const;
export type AccentColor = (typeof ACCENT_PALETTE)[number]['value'];
export const DEFAULT_ACCENT_COLOR: AccentColor = '#000091';

export const ACCESSIBILITY_STATUSES = [
  { value: 'totale', label: 'Totalement conforme' },
  { value: 'partielle', label: 'Partiellement conforme' },
  { value: 'non-conforme', label: 'Non conforme' },
] as const satisfies readonly FieldOption[];
export type AccessibilityStatus = (typeof ACCESSIBILITY_STATUSES)[number]['value'];

const s = (
  name: string,
  label: string,
  kind: FieldDescriptor['kind'],
  required = false,
  extra: Partial<FieldDescriptor> = {},
): FieldDescriptor => ({ name, label, kind, required, ...extra });

/** Form descriptors of the settings, in display order. */
export const SETTINGS_FIELDS: readonly FieldDescriptor[] = [
  s('name', 'Nom de la commune', 'text', true),
  s('logo', 'Logo ou blason', 'media', false, {
    accept: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/svg+xml'],
    help: 'Une image JPEG, PNG, WebP, GIF ou SVG ; elle est convertie pour le site.',
  }),
  s('logoAlt', 'Texte alternatif du logo', 'text', false, { help: 'Par exemple : Blason de la commune.' }),
  s('address', 'Adresse de la mairie', 'textarea', true),
  s('phone', 'Téléphone', 'tel', true),
  s('email', 'Adresse e-mail de contact', 'email', true),
  s('mayorName', 'Maire (directeur ou directrice de la publication)', 'text', true),
  s('accentColor', 'Couleur d’accent', 'select', true, {
    options: ACCENT_PALETTE.map(({ value, label }) => ({ value, label })),
    help: 'Toutes les couleurs proposées respectent les contrastes exigés par le RGAA.',
  }),
  s('banner', 'Photo du bandeau de la page d’accueil', 'media', false, {
    accept: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
    help: 'Une photo large de la commune (au moins 1600 pixels de large). Elle est décorative : le nom de la commune est écrit par-dessus.',
  }),
  s('quickLinks', 'Accès rapides de la page d’accueil', 'textarea', false, {
    help: `Huit tuiles au plus, une par ligne : icône ; adresse de la page (par exemple carte-d-identite) ou https://… ; libellé (facultatif, sinon le titre de la page). Icônes : ${Object.keys(ICONS).join(', ')}. Laissez vide pour des tuiles choisies d’après les pages du site.`,
  }),
  s('siret', 'Numéro SIRET de la commune', 'text', false, {
    help: '14 chiffres, sans espace (annuaire des entreprises ou avis de situation INSEE). Il identifie la commune dans le fichier des délibérations en données ouvertes.',
  }),
  s('accessibilityStatus', 'État de conformité au RGAA', 'select', true, { options: ACCESSIBILITY_STATUSES }),
  s('accessibilityAuditDate', 'Date de l’évaluation d’accessibilité', 'date'),
  s('accessibilityAuditor', 'Évaluation réalisée par', 'text'),
  s('accessibilityRate', 'Taux de conformité (%)', 'text', false, { help: 'Par exemple : 87.' }),
  s('nonAccessibleContent', 'Contenus non accessibles', 'textarea', false, { help: 'Un contenu par ligne.' }),
  s('accessibilityPlanUrl', 'Schéma pluriannuel de mise en accessibilité (adresse)', 'url'),
];

const optional = (schema: z.ZodString) => z.union([z.literal(''), schema]);

/** The settings as stored (all strings); `readSiteSettings` gives defaults for missing ones. */
export const SiteSettingsSchema = z.object({
  name: z.string().trim().min(1, 'Le nom de la commune est obligatoire.').max(200),
  logo: optional(z.string().regex(SHA256, 'Logo : fichier invalide.')),
  logoAlt: z.string().trim().max(300),
  address: z.string().trim().min(1, 'L’adresse de la mairie est obligatoire (mentions légales).').max(1000),
  phone: z.string().trim().min(1, 'Le téléphone de la mairie est obligatoire (mentions légales).').max(40),
  email: z
    .string()
    .trim()
    .regex(
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
      'L’adresse e-mail de contact est obligatoire (déclaration d’accessibilité).',
    ),
  mayorName: z
    .string()
    .trim()
    .min(1, 'Le nom du maire, directeur de la publication, est obligatoire.')
    .max(200),
  accentColor: z.enum(ACCENT_PALETTE.map((c) => c.value) as [AccentColor, ...AccentColor[]], {
    message: 'Choisissez la couleur d’accent dans la palette proposée.',
  }),
  accessibilityStatus: z.enum(['totale', 'partielle', 'non-conforme']),
  accessibilityAuditDate: optional(z.string().regex(DATE, 'Date d’évaluation invalide.')),
  accessibilityAuditor: z.string().trim().max(300),
  accessibilityRate: optional(
    z.string().regex(/^(100|\d{1,2})([.,]\d+)?$/, 'Taux de conformité : un nombre de 0 à 100.'),
  ),
  nonAccessibleContent: z.string().trim().max(10_000),
  banner: optional(z.string().regex(SHA256, 'Photo du bandeau : fichier invalide.')),
  quickLinks: z
    .string()
    .max(10_000)
    .superRefine((text, ctx) => {
      for (const message of parseQuickLinks(text).issues) ctx.addIssue({ code: 'custom', message });
    }),
  siret: optional(
    z
      .string()
      .trim()
      .refine(
        isSiret,
        'SIRET invalide : 14 chiffres dont le dernier est une clé de contrôle (vérifiez la saisie).',
      ),
  ),
  accessibilityPlanUrl: optional(
    z.string().regex(/^https?:\/\/\S+$/, 'Adresse du schéma pluriannuel invalide.'),
  ),
});

/** Every setting, read leniently (strings, defaults); `name`/`accentColor` as before. */
export interface SiteSettingsFull extends SiteSettings {
  logo: string;
  logoAlt: string;
  address: string;
  phone: string;
  email: string;
  mayorName: string;
  accessibilityStatus: AccessibilityStatus;
  accessibilityAuditDate: string;
  accessibilityAuditor: string;
  accessibilityRate: string;
  nonAccessibleContent: string;
  accessibilityPlanUrl: string;
  banner: string;
  quickLinks: string;
  siret: string;
}

/** Defaults for a commune that has not filled its settings yet. */
export function defaultSettings(communeName: string): SiteSettingsFull {
  return {
    name: communeName,
    accentColor: DEFAULT_ACCENT_COLOR,
    logo: '',
    logoAlt: '',
    address: '',
    phone: '',
    email: '',
    mayorName: '',
    accessibilityStatus: 'non-conforme',
    accessibilityAuditDate: '',
    accessibilityAuditor: '',
    accessibilityRate: '',
    nonAccessibleContent: '',
    accessibilityPlanUrl: '',
    banner: '',
    quickLinks: '',
    siret: '',
  };
}

/** Settings from any object (a Y.Map's JSON, an older manifest): strings only, never throws. */
export function normalizeSettings(raw: unknown, communeName: string): SiteSettingsFull {
  const out = defaultSettings(communeName);
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  for (const key of Object.keys(out) as Array<keyof SiteSettingsFull>) {
    const value = Object.prototype.hasOwnProperty.call(source, key) ? source[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '')
      (out as unknown as Record<string, string>)[key] = value.slice(0, 10_000);
  }
  if (!ACCESSIBILITY_STATUSES.some((st) => st.value === out.accessibilityStatus))
    out.accessibilityStatus = 'non-conforme';
  return out;
}

export function readSiteSettings(manifest: Y.Doc, communeName: string): SiteSettingsFull {
  // Plain values only, read one level deep: a nested type (never written by the editor) is
  // ignored rather than converted, so a hostile deep one cannot overflow the stack here.
  const raw: Record<string, unknown> = {};
  settingsMap(manifest).forEach((value, key) => {
    if (!(value instanceof Y.AbstractType)) raw[key] = value;
  });
  return normalizeSettings(raw, communeName);
}

/** French problems with the settings (for the form and the pre-publication checks). */
export function validateSettings(settings: unknown): Array<{ field: string; message: string }> {
  const result = SiteSettingsSchema.safeParse(settings);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: String(issue.path[0] ?? ''), message: issue.message }));
}

/** The palette entry of a colour, or the default one. */
export function paletteEntry(color: unknown): (typeof ACCENT_PALETTE)[number] {
  const lower = typeof color === 'string' ? color.toLowerCase() : '';
  return ACCENT_PALETTE.find((c) => c.value === lower) ?? ACCENT_PALETTE[0];
}

export const ACCESSIBILITY_STATUS_LABELS: Record<AccessibilityStatus, string> = {
  totale: 'totalement conforme',
  partielle: 'partiellement conforme',
  'non-conforme': 'non conforme',
};

/**
 * A SIRET: 14 digits whose Luhn sum is a multiple of 10 (the INSEE's check key; the one
 * exception, La Poste's establishments, is no commune). Spaces are not accepted.
 */
export function isSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let digit = value.charCodeAt(13 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
