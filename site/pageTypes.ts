/**
 * The structured fields of every page type, as ONE zod schema shared by the editor (forms
 * are generated from PAGE_FIELDS) and the publisher (readPageFields / validatePageFields).
 * Values live in the page's `fields` Y.Map of the manifest (DESIGN.md « Documents and rooms »)
 * as plain strings: dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:mm` (Europe/Paris wall
 * clock, as an `<input type="datetime-local">` gives), media as the sha256 key of `media`.
 */
import { z } from 'zod';
import {
  legacyAssociations,
  legacyHours,
  legacyMembers,
  legacyMenu,
  type ListItem,
  MENU_LABELS,
  WEEKDAYS,
} from './fieldLists';
import { MATIERE_OPTIONS } from './actesNomenclature';
import { frenchDateFormat } from './frenchDate';
import { compareListEntries, listOrderKey, PAGE_TYPE_LABELS_FR, PAGE_TYPES, type PageType } from './siteDoc';

export { PAGE_TYPES, PAGE_TYPE_LABELS_FR, type PageType, type ListItem, MENU_LABELS, WEEKDAYS };

export type FieldKind =
  | 'text'
  | 'textarea'
  | 'date'
  | 'datetime'
  | 'time'
  | 'url'
  | 'email'
  | 'tel'
  | 'select'
  | 'flags'
  | 'media'
  | 'list';

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
  /** For `text`: the form a non-empty value must have, with the French message otherwise. */
  pattern?: { regex: RegExp; message: string };
  /** For `list`: the fields of one entry, the entry's name (« Élu ») and the most entries. */
  item?: readonly FieldDescriptor[];
  itemLabel?: string;
  /** For `list`: the French text of the add button (« Ajouter un élu »). */
  addLabel?: string;
  maxItems?: number;
  /** For `list`: converts the older textarea value (« a ; b » lines) of this field. */
  legacy?: (text: string, fields: Record<string, unknown>) => ListItem[];
  /** For `list`: the checks of one entry across its fields (French messages), by field. */
  refineItem?: (item: ListItem) => Array<{ field: string; message: string }>;
}

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
export const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
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

/** Any common image format: the editor re-encodes every image as WebP (media/mediaPipeline). */
const IMAGE_MIME = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;

/** « Fermeture » after « Ouverture », « Réouverture » after « Fermeture »… for one day. */
function hoursInOrder(item: ListItem): Array<{ field: string; message: string }> {
  const issues: Array<{ field: string; message: string }> = [];
  const pairs: Array<[string, string, string]> = [
    ['opens', 'closes', '« Fermeture » doit être après « Ouverture ».'],
    ['closes', 'reopens', '« Réouverture » doit être après « Fermeture ».'],
    ['reopens', 'recloses', '« Fermeture du soir » doit être après « Réouverture ».'],
  ];
  for (const [a, b, message] of pairs) {
    const [x, y] = [item[a] ?? '', item[b] ?? ''];
    if (TIME.test(x) && TIME.test(y) && y <= x) issues.push({ field: b, message });
  }
  if (!item.opens !== !item.closes)
    issues.push({
      field: item.opens ? 'closes' : 'opens',
      message: 'Indiquez l’heure d’ouverture et l’heure de fermeture.',
    });
  if (!item.reopens !== !item.recloses)
    issues.push({
      field: item.reopens ? 'recloses' : 'reopens',
      message: 'Indiquez l’heure de réouverture et l’heure de fermeture du soir.',
    });
  return issues;
}

function closureInOrder(item: ListItem): Array<{ field: string; message: string }> {
  const [from, to] = [item.from ?? '', item.to ?? ''];
  return DATE.test(from) && DATE.test(to) && to < from
    ? [{ field: 'to', message: '« Jusqu’au » doit être le même jour que « Fermé du » ou après.' }]
    : [];
}

/** The repeatable groups of fields (the older textarea values are converted by `legacy`). */
export const LIST_FIELDS = {
  members: f('members', 'Élus', 'list', false, {
    itemLabel: 'Élu',
    addLabel: 'Ajouter un élu',
    maxItems: 69,
    legacy: (text) => legacyMembers(text),
    item: [
      f('name', 'Nom et prénom', 'text', true),
      f('role', 'Fonction', 'text', true, {
        help: 'Par exemple : maire, première adjointe, conseiller municipal.',
      }),
      f('delegation', 'Délégation', 'text', false, { help: 'Par exemple : écoles et jeunesse.' }),
      f('photo', 'Photo', 'media', false, { accept: IMAGE_MIME }),
    ],
  }),
  associations: f('entries', 'Annuaire des associations', 'list', false, {
    itemLabel: 'Association',
    addLabel: 'Ajouter une association',
    maxItems: 300,
    legacy: (text) => legacyAssociations(text),
    item: [
      f('name', 'Nom de l’association', 'text', true),
      f('description', 'Domaine et activités', 'textarea'),
      f('email', 'Adresse e-mail', 'email'),
      f('phone', 'Téléphone', 'tel'),
      f('website', 'Site web', 'url', false, { help: 'Par exemple https://petanque-aix.fr' }),
    ],
  }),
  hours: f('hours', 'Horaires d’ouverture', 'list', true, {
    itemLabel: 'Jour',
    addLabel: 'Ajouter un jour d’ouverture',
    maxItems: 7,
    legacy: (text) => legacyHours(text),
    refineItem: hoursInOrder,
    item: [
      f('day', 'Jour', 'select', true, { options: WEEKDAYS }),
      f('opens', 'Ouverture', 'time'),
      f('closes', 'Fermeture', 'time'),
      f('reopens', 'Réouverture', 'time', false, { help: 'Après la pause de midi, s’il y en a une.' }),
      f('recloses', 'Fermeture du soir', 'time'),
      f('note', 'Remarque', 'text', false, { help: 'Par exemple : sur rendez-vous l’après-midi.' }),
    ],
  }),
  closures: f('closures', 'Fermetures exceptionnelles', 'list', false, {
    itemLabel: 'Fermeture',
    addLabel: 'Ajouter une fermeture',
    maxItems: 30,
    refineItem: closureInOrder,
    item: [
      f('from', 'Fermé du', 'date', true),
      f('to', 'Jusqu’au', 'date', false, { help: 'Laissez vide pour une seule journée.' }),
      f('reason', 'Motif', 'text', false, { help: 'Par exemple : pont de l’Ascension.' }),
    ],
  }),
  menu: f('menu', 'Menus', 'list', true, {
    itemLabel: 'Jour',
    addLabel: 'Ajouter le menu d’un jour',
    maxItems: 31,
    legacy: (text, fields) => legacyMenu(text, typeof fields.weekOf === 'string' ? fields.weekOf : ''),
    item: [
      f('date', 'Date', 'date', true),
      f('starter', 'Entrée', 'text'),
      f('main', 'Plat', 'text'),
      f('side', 'Accompagnement', 'text'),
      f('dairy', 'Produit laitier', 'text'),
      f('dessert', 'Dessert', 'text'),
      f('labels', 'Mentions', 'flags', false, { options: MENU_LABELS }),
      f('allergens', 'Allergènes', 'text', false, { help: 'Par exemple : gluten, lait, œuf.' }),
    ],
  }),
} as const satisfies Record<string, FieldDescriptor>;

const WHEN_DELIBERATION = { field: 'kind', in: ['deliberation'] } as const;
const COUNT = { regex: /^\d{1,4}$/, message: 'nombre entier attendu (par exemple 23).' };
const vote = (name: string, label: string, help?: string) =>
  f(name, label, 'text', false, { when: WHEN_DELIBERATION, pattern: COUNT, ...(help ? { help } : {}) });

/**
 * What the SCDL « Délibérations » open-data file needs beyond the acte's own fields (SPEC
 * [DATA-2]): the ACTES matière, the budget, the prefecture's receipt and the votes.
 */
export const DELIBERATION_FIELDS: readonly FieldDescriptor[] = [
  f('matiere', 'Matière (nomenclature ACTES)', 'select', false, {
    when: WHEN_DELIBERATION,
    options: MATIERE_OPTIONS,
    help: 'La matière choisie lors de la transmission en préfecture. Sans elle, la délibération n’entre pas dans le fichier des données ouvertes.',
  }),
  f('budgetYear', 'Année du budget', 'text', false, {
    when: WHEN_DELIBERATION,
    pattern: { regex: /^\d{4}(\/\d{4})?$/, message: 'année attendue (2026, ou 2026/2027).' },
    help: 'Seulement si la délibération a un effet sur un budget. Par exemple 2026.',
  }),
  f('budgetName', 'Nom du budget', 'text', false, {
    when: WHEN_DELIBERATION,
    help: 'Par exemple : budget principal, budget annexe de l’eau.',
  }),
  f('prefId', 'Contrôle de légalité : identifiant', 'text', false, {
    when: WHEN_DELIBERATION,
    pattern: {
      regex: /^(?:PREF|SGAR)\d[\dAB]\d$|^PREF\d{3}$|^SPREF\d[\dAB]\d\d$/,
      message: 'identifiant attendu : PREF013, SPREF0132…',
    },
    help: 'PREF suivi du numéro du département sur trois chiffres (PREF013), ou SPREF et le numéro d’arrondissement.',
  }),
  f('prefDate', 'Contrôle de légalité : date de réception', 'date', false, { when: WHEN_DELIBERATION }),
  vote('voteEffectif', 'Nombre de membres en exercice', 'Les élus pouvant prendre part au vote.'),
  vote('voteReel', 'Nombre de votants', 'Présents et représentés ayant pris part au vote.'),
  vote('votePour', 'Voix pour'),
  vote('voteContre', 'Voix contre'),
  vote('voteAbstention', 'Abstentions'),
];

/** The votes of a délibération add up: pour + contre + abstentions ≤ votants ≤ membres. */
function votesInOrder(value: Record<string, unknown>): Array<{ field: string; message: string }> {
  const n = (k: string) => {
    const v = String(value[k] ?? '');
    return /^\d{1,4}$/.test(v) ? Number(v) : null;
  };
  const issues: Array<{ field: string; message: string }> = [];
  const [effectif, reel] = [n('voteEffectif'), n('voteReel')];
  const [pour, contre, abst] = [n('votePour'), n('voteContre'), n('voteAbstention')];
  if (effectif !== null && reel !== null && reel > effectif)
    issues.push({
      field: 'voteReel',
      message: 'Le nombre de votants dépasse le nombre de membres en exercice.',
    });
  const cast = (pour ?? 0) + (contre ?? 0) + (abst ?? 0);
  const limit = reel ?? effectif;
  if (limit !== null && (pour !== null || contre !== null || abst !== null) && cast > limit)
    issues.push({
      field: 'votePour',
      message: 'Les voix pour, contre et les abstentions dépassent le nombre de votants.',
    });
  return issues;
}

/** Checks across the fields of one page type (French messages), by field. */
const TYPE_REFINES: Partial<
  Record<PageType, (value: Record<string, unknown>) => Array<{ field: string; message: string }>>
> = {
  acte: (value) => (value.kind === 'deliberation' ? votesInOrder(value) : []),
};

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
    ...DELIBERATION_FIELDS,
  ],
  elus: [f('councilInstalledOn', 'Date d’installation du conseil', 'date'), LIST_FIELDS.members],
  contact: [
    f('address', 'Adresse', 'textarea', true),
    f('phone', 'Téléphone', 'tel', true),
    f('email', 'Adresse e-mail', 'email'),
    LIST_FIELDS.hours,
    LIST_FIELDS.closures,
  ],
  associations: [LIST_FIELDS.associations],
  cantine: [
    f('weekOf', 'Semaine du', 'date', true),
    LIST_FIELDS.menu,
    f('allergens', 'Informations sur les allergènes', 'textarea', false, {
      help: 'Valable pour toute la semaine ; les allergènes de chaque jour se saisissent avec le menu du jour.',
    }),
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
    case 'tel': {
      const text = req(z.string().trim().max(MAX_TEXT, `« ${d.label} » : ${MAX_TEXT} caractères au plus.`));
      const pattern = d.pattern;
      return pattern
        ? text.refine((v) => v === '' || pattern.regex.test(v), `« ${d.label} » : ${pattern.message}`)
        : text;
    }
    case 'textarea':
      return req(z.string().trim().max(MAX_TEXTAREA, `« ${d.label} » : texte trop long.`));
    case 'date':
      return d.required && !d.when
        ? z.string().regex(DATE, `« ${d.label} » : date attendue (AAAA-MM-JJ).`)
        : z.union([z.literal(''), z.string().regex(DATE, `« ${d.label} » : date attendue (AAAA-MM-JJ).`)]);
    case 'datetime':
      return d.required && !d.when
        ? z.string().regex(DATETIME, `« ${d.label} » : date et heure attendues.`)
        : z.union([z.literal(''), z.string().regex(DATETIME, `« ${d.label} » : date et heure attendues.`)]);
    case 'time':
      return d.required && !d.when
        ? z.string().regex(TIME, `« ${d.label} » : heure attendue (HH:MM).`)
        : z.union([z.literal(''), z.string().regex(TIME, `« ${d.label} » : heure attendue (HH:MM).`)]);
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
    case 'flags': {
      const values = (d.options ?? []).map((o) => o.value);
      return z
        .string()
        .refine((v) => splitFlags(v).every((x) => values.includes(x)), `« ${d.label} » : choix invalide.`);
    }
    case 'media':
      return d.required && !d.when
        ? z.string().regex(SHA256, `« ${d.label} » est obligatoire.`)
        : z.union([z.literal(''), z.string().regex(SHA256, `« ${d.label} » : fichier invalide.`)]);
    case 'list':
      // Lists are validated by listSchema; never reached.
      return z.string();
  }
}

/** The values of a `flags` field (stored as `a,b`). */
export function splitFlags(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function listSchema(d: FieldDescriptor) {
  const item = objectSchema(d.item ?? []).superRefine((value, ctx) => {
    for (const issue of d.refineItem?.(value as ListItem) ?? [])
      ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });
  const max = d.maxItems ?? 100;
  const list = z.array(item).max(max, `« ${d.label} » : ${max} au plus.`);
  return d.required ? list.min(1, `« ${d.label} » : ajoutez au moins une ligne.`) : list;
}

function objectSchema(
  descriptors: readonly FieldDescriptor[],
  refine?: (value: Record<string, unknown>) => Array<{ field: string; message: string }>,
) {
  const shape: Record<string, z.ZodType<unknown>> = {};
  // A missing field is an empty one (older pages, fields added later).
  for (const d of descriptors)
    shape[d.name] =
      d.kind === 'list'
        ? z.preprocess((v) => v ?? [], listSchema(d))
        : (z.preprocess((v) => v ?? '', schemaOf(d)) as z.ZodType<string>);
  return z.object(shape).superRefine((value, ctx) => {
    // Conditionally required fields (e.g. author of an arrêté).
    for (const d of descriptors) {
      if (!d.required || !d.when) continue;
      if (!d.when.in.includes(String(value[d.when.field] ?? ''))) continue;
      if (String(value[d.name] ?? '').trim() === '')
        ctx.addIssue({ code: 'custom', path: [d.name], message: `« ${d.label} » est obligatoire.` });
    }
    for (const issue of refine?.(value) ?? [])
      ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });
}

/** One zod schema per page type: scalar fields are strings, list fields arrays of entries. */
export const PAGE_FIELD_SCHEMAS: Readonly<Record<PageType, ReturnType<typeof objectSchema>>> =
  Object.fromEntries(
    PAGE_TYPES.map((type) => [type, objectSchema(PAGE_FIELDS[type], TYPE_REFINES[type])]),
  ) as Record<PageType, ReturnType<typeof objectSchema>>;

/** The whole page model: type + fields, as a discriminated union (editor and server). */
export const PageFieldsSchema = z.discriminatedUnion(
  'type',
  PAGE_TYPES.map((type) => z.object({ type: z.literal(type), fields: PAGE_FIELD_SCHEMAS[type] })) as never,
);

/** Scalar field values of a type, all strings (missing → ''); list fields are not in it. */
export type PageFields = Record<string, string>;
/** List field values of a type: field name → entries. */
export type PageLists = Record<string, ListItem[]>;

const own = (o: Record<string, unknown>, key: string) =>
  Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;

function boundedString(d: FieldDescriptor, value: unknown): string {
  const max = d.kind === 'textarea' ? MAX_TEXTAREA : 2048;
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/**
 * The fields of a page, leniently: only the scalar fields of its type, strings only, trimmed
 * to bounds; never throws on a hostile or older manifest. Validation is separate.
 */
export function readPageFields(type: PageType, raw: unknown): PageFields {
  const out: PageFields = {};
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  for (const d of PAGE_FIELDS[type] ?? []) {
    if (d.kind === 'list') continue;
    out[d.name] = boundedString(d, own(source, d.name));
  }
  return out;
}

/**
 * The entries of one list field, leniently: an array of objects (the manifest's Y.Array of
 * Y.Maps, as JSON) keeps only the known sub-fields as strings; an older textarea string is
 * converted by the descriptor's `legacy`; anything else is an empty list. At most `maxItems`.
 */
export function readFieldList(d: FieldDescriptor, raw: unknown): ListItem[] {
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const value = own(source, d.name);
  const max = d.maxItems ?? 100;
  let items: unknown[] = [];
  if (Array.isArray(value)) items = inListOrder(value).slice(0, max);
  else if (typeof value === 'string' && d.legacy)
    items = d.legacy(value.slice(0, MAX_TEXTAREA), source).slice(0, max);
  return items.map((entry) => {
    const o = entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
    const item: ListItem = {};
    for (const sub of d.item ?? []) item[sub.name] = boundedString(sub, own(o, sub.name));
    return item;
  });
}

/**
 * Entries in their shown order: by their `LIST_ORDER` key (siteDoc.editPageList) when every
 * entry has one, else in array order (the order editPageList gives them keys in).
 */
function inListOrder(entries: readonly unknown[]): unknown[] {
  const keyed = entries.map((entry, position) => ({ entry, key: listOrderKey(entry), position }));
  if (keyed.some((e) => e.key === null)) return [...entries];
  return (keyed as Array<{ entry: unknown; key: string; position: number }>)
    .sort(compareListEntries)
    .map((e) => e.entry);
}

/** Every list field of a page of this type (see readFieldList). */
export function readPageLists(type: PageType, raw: unknown): PageLists {
  const out: PageLists = {};
  for (const d of PAGE_FIELDS[type] ?? []) if (d.kind === 'list') out[d.name] = readFieldList(d, raw);
  return out;
}

export interface FieldIssue {
  field: string;
  message: string;
  /** For a list field: which entry (0-based) and which of its fields. */
  item?: { index: number; field: string };
}

/** French problems with the fields of a page of this type; empty when valid. */
export function validatePageFields(type: PageType, raw: unknown): FieldIssue[] {
  const schema = PAGE_FIELD_SCHEMAS[type];
  if (!schema) return [];
  const result = schema.safeParse({ ...readPageFields(type, raw), ...readPageLists(type, raw) });
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const [index, sub] = [issue.path[1], issue.path[2]];
    if (typeof index !== 'number') return { field, message: issue.message };
    const d = (PAGE_FIELDS[type] ?? []).find((x) => x.name === field);
    return {
      field,
      message: `${d?.itemLabel ?? 'Ligne'} n° ${index + 1} : ${issue.message}`,
      item: { index, field: String(sub ?? '') },
    };
  });
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

const DATE_FR = frenchDateFormat({ dateStyle: 'long', timeZone: 'Europe/Paris' });

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
