/**
 * The structured fields of every page type, as ONE zod schema shared by the editor (forms
 * are generated from PAGE_FIELDS) and the publisher (readPageFields / validatePageFields).
 * Values live in the page's `fields` Y.Map of the manifest (DESIGN.md « Documents and rooms »)
 * as plain strings: dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:mm` (Europe/Paris wall
 * clock, as an `<input type="datetime-local">` gives), media as the sha256 key of `media`.
 */
import { z } from 'zod';
import { PAGE_TYPE_LABELS_FR, PAGE_TYPES, type PageType } from './siteDoc';

export { PAGE_TYPES, PAGE_TYPE_LABELS_FR, type PageType };

export type FieldKind =
  'text' | 'textarea' | 'date' | 'datetime' | 'url' | 'email' | 'tel' | 'select' | 'media';

export interface FieldOption {
  value: string;
  label: string;
}

/** What a form needs to render one input. `label` and `help` are French. */
export interface FieldDescriptor {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  options?: readonly FieldOption[];
  help?: string;
  /** Shown (and required, when `required`) only while another field has one of these values. */
  when?: { field: string; in: readonly string[] };
  /** For `media`: the accepted MIME types. */
  accept?: readonly string[];
}

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
export const SHA256 = /^[0-9a-f]{64}$/;

export const ACTE_KINDS = [
  { value: 'deliberation', label: 'Délibération' },
  { value: 'arrete', label: 'Arrêté' },
  { value: 'proces-verbal', label: 'Procès-verbal' },
  { value: 'liste-deliberations', label: 'Liste des délibérations' },
] as const satisfies readonly FieldOption[];
export type ActeKind = (typeof ACTE_KINDS)[number]['value'];

export const ALERT_LEVELS = [
  { value: 'information', label: 'Information' },
  { value: 'vigilance', label: 'Vigilance' },
  { value: 'alerte', label: 'Alerte' },
] as const satisfies readonly FieldOption[];
export type AlertLevel = (typeof ALERT_LEVELS)[number]['value'];

export const YES_NO = [
  { value: 'non', label: 'Non' },
  { value: 'oui', label: 'Oui' },
] as const satisfies readonly FieldOption[];

/** Minimum time an acte stays online (R2131-1 CGCT: « pendant une durée minimale de deux mois »). */
export const ACTE_MIN_ONLINE_MONTHS = 2;

const f = (
  name: string,
  label: string,
  kind: FieldKind,
  required = false,
  extra: Partial<FieldDescriptor> = {},
): FieldDescriptor => ({ name, label, kind, required, ...extra });

const IMAGE_MIME = ['image/webp', 'image/jpeg', 'image/png'] as const;

/** Form descriptors, per page type, in display order. */
export const PAGE_FIELDS: Readonly<Record<PageType, readonly FieldDescriptor[]>> = {
  accueil: [
    f('intro', 'Message d’accueil', 'textarea', false, {
      help: 'Une ou deux phrases sous le nom de la commune.',
    }),
  ],
  page: [f('summary', 'Résumé', 'textarea', false, { help: 'Affiché dans les listes et le plan du site.' })],
  actualite: [
    f('date', 'Date de l’actualité', 'date', true),
    f('summary', 'Résumé', 'textarea', true, {
      help: 'Deux ou trois lignes, reprises en page d’accueil et dans le flux.',
    }),
    f('image', 'Image', 'media', false, { accept: IMAGE_MIME }),
    f('imageAlt', 'Texte alternatif de l’image', 'text', false, {
      help: 'Décrivez ce que montre l’image. Laissez vide seulement si elle est purement décorative.',
    }),
  ],
  evenement: [
    f('startsAt', 'Début', 'datetime', true),
    f('endsAt', 'Fin', 'datetime'),
    f('place', 'Lieu', 'text', true),
    f('organiser', 'Organisateur', 'text'),
    f('summary', 'Résumé', 'textarea'),
  ],
  demarche: [
    f('audience', 'Qui est concerné ?', 'textarea', true),
    f('howTo', 'Comment faire ?', 'textarea', true),
    f('documents', 'Pièces à fournir', 'textarea', false, { help: 'Une pièce par ligne.' }),
    f('servicePublicUrl', 'Fiche service-public.fr', 'url', false, {
      help: 'Adresse de la fiche officielle, par exemple https://www.service-public.fr/particuliers/vosdroits/F1234',
    }),
  ],
  acte: [
    f('kind', 'Nature de l’acte', 'select', true, { options: ACTE_KINDS }),
    f('number', 'Numéro', 'text', true, { help: 'Par exemple 2026-042.' }),
    f('date', 'Date de l’acte', 'date', true),
    f('subject', 'Objet', 'textarea', true),
    f('author', 'Nom de l’auteur', 'text', true, { when: { field: 'kind', in: ['arrete'] } }),
    f('authorCapacity', 'Qualité de l’auteur', 'text', true, {
      when: { field: 'kind', in: ['arrete'] },
      help: 'Par exemple : le maire, le premier adjoint délégué.',
    }),
    f('pdf', 'Acte signé (PDF)', 'media', true, { accept: ['application/pdf'] }),
    f('onlineAt', 'Date de mise en ligne', 'datetime', true, {
      help: 'L’acte doit rester en ligne au moins deux mois à partir de cette date.',
    }),
  ],
  elus: [
    f('councilInstalledOn', 'Date d’installation du conseil', 'date'),
    f('members', 'Élus', 'textarea', false, { help: 'Un élu par ligne : Nom Prénom ; fonction.' }),
  ],
  contact: [
    f('address', 'Adresse', 'textarea', true),
    f('phone', 'Téléphone', 'tel', true),
    f('email', 'Adresse e-mail', 'email'),
    f('hours', 'Horaires d’ouverture', 'textarea', true, {
      help: 'Un jour par ligne : lundi ; 8 h 30 – 12 h.',
    }),
  ],
  associations: [
    f('entries', 'Annuaire des associations', 'textarea', false, {
      help: 'Une association par ligne : nom ; activité ; contact (e-mail, téléphone ou site).',
    }),
  ],
  cantine: [
    f('weekOf', 'Semaine du', 'date', true),
    f('menu', 'Menus', 'textarea', true, { help: 'Un jour par ligne : lundi ; entrée, plat, dessert.' }),
    f('allergens', 'Allergènes', 'textarea'),
  ],
  risques: [
    f('alertActive', 'Alerte en cours', 'select', true, {
      options: YES_NO,
      help: 'Tant qu’une alerte est en cours, un bandeau est affiché en haut de chaque page du site.',
    }),
    f('alertLevel', 'Niveau de l’alerte', 'select', true, {
      options: ALERT_LEVELS,
      when: { field: 'alertActive', in: ['oui'] },
    }),
    f('alertMessage', 'Message du bandeau', 'text', true, { when: { field: 'alertActive', in: ['oui'] } }),
    f('alertUntil', 'Fin de l’alerte', 'datetime', false, { when: { field: 'alertActive', in: ['oui'] } }),
    f('dicrim', 'DICRIM (PDF)', 'media', false, { accept: ['application/pdf'] }),
  ],
};

const MAX_TEXT = 500;
const MAX_TEXTAREA = 10_000;

function schemaOf(d: FieldDescriptor): z.ZodType<string> {
  const req = (s: z.ZodString) => (d.required && !d.when ? s.min(1, `« ${d.label} » est obligatoire.`) : s);
  switch (d.kind) {
    case 'text':
    case 'tel':
      return req(z.string().trim().max(MAX_TEXT));
    case 'textarea':
      return req(z.string().trim().max(MAX_TEXTAREA));
    case 'date':
      return d.required && !d.when
        ? z.string().regex(DATE, `« ${d.label} » : date attendue (AAAA-MM-JJ).`)
        : z.union([z.literal(''), z.string().regex(DATE, `« ${d.label} » : date attendue (AAAA-MM-JJ).`)]);
    case 'datetime':
      return d.required && !d.when
        ? z.string().regex(DATETIME, `« ${d.label} » : date et heure attendues.`)
        : z.union([z.literal(''), z.string().regex(DATETIME, `« ${d.label} » : date et heure attendues.`)]);
    case 'url':
      return z.union([
        z.literal(''),
        z
          .string()
          .trim()
          .max(2048)
          .regex(/^https?:\/\/[^\s/]+\.[^\s]*$/, `« ${d.label} » : adresse web attendue (https://…).`),
      ]);
    case 'email':
      return z.union([
        z.literal(''),
        z
          .string()
          .trim()
          .max(320)
          .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, `« ${d.label} » : adresse e-mail invalide.`),
      ]);
    case 'select': {
      const values = (d.options ?? []).map((o) => o.value);
      return z
        .string()
        .refine(
          (v) => ((!d.required || d.when) && v === '') || values.includes(v),
          `« ${d.label} » : choix invalide.`,
        );
    }
    case 'media':
      return d.required && !d.when
        ? z.string().regex(SHA256, `« ${d.label} » est obligatoire.`)
        : z.union([z.literal(''), z.string().regex(SHA256, `« ${d.label} » : fichier invalide.`)]);
  }
}

function objectSchema(descriptors: readonly FieldDescriptor[]) {
  const shape: Record<string, z.ZodType<string>> = {};
  // A missing field is an empty one (older pages, fields added later).
  for (const d of descriptors) shape[d.name] = z.preprocess((v) => v ?? '', schemaOf(d)) as z.ZodType<string>;
  return z.object(shape).superRefine((value, ctx) => {
    // Conditionally required fields (e.g. author of an arrêté).
    for (const d of descriptors) {
      if (!d.required || !d.when) continue;
      if (!d.when.in.includes(value[d.when.field] ?? '')) continue;
      if ((value[d.name] ?? '').trim() === '')
        ctx.addIssue({ code: 'custom', path: [d.name], message: `« ${d.label} » est obligatoire.` });
    }
  });
}

/** One zod schema per page type: the values of its `fields` map, all strings. */
export const PAGE_FIELD_SCHEMAS: Readonly<Record<PageType, ReturnType<typeof objectSchema>>> =
  Object.fromEntries(PAGE_TYPES.map((type) => [type, objectSchema(PAGE_FIELDS[type])])) as Record<
    PageType,
    ReturnType<typeof objectSchema>
  >;

/** The whole page model: type + fields, as a discriminated union (editor and server). */
export const PageFieldsSchema = z.discriminatedUnion(
  'type',
  PAGE_TYPES.map((type) => z.object({ type: z.literal(type), fields: PAGE_FIELD_SCHEMAS[type] })) as never,
);

/** Field values of a type, all strings (missing → ''). */
export type PageFields = Record<string, string>;

/**
 * The fields of a page, leniently: only the fields of its type, strings only, trimmed to
 * bounds; never throws on a hostile or older manifest. Validation is separate.
 */
export function readPageFields(type: PageType, raw: unknown): PageFields {
  const out: PageFields = {};
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  for (const d of PAGE_FIELDS[type] ?? []) {
    const value = Object.prototype.hasOwnProperty.call(source, d.name) ? source[d.name] : undefined;
    const max = d.kind === 'textarea' ? MAX_TEXTAREA : 2048;
    out[d.name] = typeof value === 'string' ? value.slice(0, max) : '';
  }
  return out;
}

export interface FieldIssue {
  field: string;
  message: string;
}

/** French problems with the fields of a page of this type; empty when valid. */
export function validatePageFields(type: PageType, raw: unknown): FieldIssue[] {
  const schema = PAGE_FIELD_SCHEMAS[type];
  if (!schema) return [];
  const result = schema.safeParse(readPageFields(type, raw));
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: String(issue.path[0] ?? ''), message: issue.message }));
}

/** Is this descriptor shown for the current values (its `when` condition)? */
export function isFieldShown(d: FieldDescriptor, values: Record<string, unknown>): boolean {
  if (!d.when) return true;
  const v = values[d.when.field];
  return typeof v === 'string' && d.when.in.includes(v);
}

/** A constant formatter: building one per call costs far more than the conversion. */
const PARIS_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** Milliseconds (UTC) of a `YYYY-MM-DD[THH:mm]` Europe/Paris wall-clock value, or null. */
export function parisTime(value: string): number | null {
  const cached = PARIS_TIMES.get(value);
  if (cached !== undefined) return cached;
  const ms = computeParisTime(value);
  // A memo of a pure function (sorting a thousand dates asks for each one many times).
  if (PARIS_TIMES.size > 20_000) PARIS_TIMES.clear();
  PARIS_TIMES.set(value, ms);
  return ms;
}

const PARIS_TIMES = new Map<string, number | null>();

function computeParisTime(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi] = [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0)];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (!Number.isFinite(asUtc)) return null;
  // Offset of Paris at that instant (CET +1 / CEST +2), found through Intl (pure, no I/O).
  const parts = PARIS_PARTS.formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const seen = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return asUtc - (seen - asUtc);
}

const DATE_FR = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });

/** Adds calendar months to an instant (UTC calendar), for the « two months online » rule. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

/**
 * The earliest instant an acte may leave the site: its date put online + 2 months, or null
 * when it has no valid date put online (then it may be unpublished: it was never legally online).
 */
export function acteKeptOnlineUntil(fields: unknown): number | null {
  const onlineAt = readPageFields('acte', fields).onlineAt ?? '';
  const start = parisTime(onlineAt);
  return start === null ? null : addMonths(start, ACTE_MIN_ONLINE_MONTHS);
}

/**
 * Why an acte may not be unpublished yet (French, for the agent), or null when it may.
 * The editor calls it before switching a page to draft; the publisher refuses a publication
 * that would remove such an acte from the site.
 */
export function acteUnpublishRefusal(
  page: { type: string; title: string; fields: unknown },
  now: number,
): string | null {
  if (page.type !== 'acte') return null;
  const until = acteKeptOnlineUntil(page.fields);
  if (until === null || now >= until) return null;
  const date = DATE_FR.format(new Date(until));
  return (
    `L’acte « ${page.title} » doit rester en ligne au moins deux mois après sa mise en ligne ` +
    `(article R2131-1 du code général des collectivités territoriales) : il ne peut pas être retiré avant le ${date}.`
  );
}

/** Is the risk page's alert banner to be shown at `now`? */
export function isAlertActive(fields: unknown, now: number): boolean {
  const v = readPageFields('risques', fields);
  if (v.alertActive !== 'oui' || (v.alertMessage ?? '').trim() === '') return false;
  const until = v.alertUntil ? parisTime(v.alertUntil) : null;
  return until === null || now < until;
}
