/**
 * The structured part of each page type, rendered above the page's rich body (SPEC.md
 * [TYPE-*]): dates, place, the signed PDF of an acte with its SHA-256, menus as tables…
 * All values come from the manifest (hostile): every one is escaped; URLs go through fieldLinks.
 */
import { frenchDateFormat } from './frenchDate';
import {
  ACTE_KINDS,
  ALERT_LEVELS,
  isAlertActive,
  type ListItem,
  MENU_LABELS,
  readPageLists,
  splitFlags,
  TIME,
  WEEKDAYS,
} from './pageTypes';
import { findMatiere } from './actesNomenclature';
import { mailHref, telHref, webHref } from './fieldLinks';
import { escapeHtml as e, mediaPath } from './renderHtml';
import {
  formatBytes,
  isoDateParis,
  lines,
  rootPrefix,
  type SiteContext,
  type SitePage,
  timeHtml,
} from './siteContext';

function matiereLabel(code: string): string {
  const m = findMatiere(code);
  return m ? `${m.code} – ${m.group} › ${m.label}` : '';
}

/** « 23 pour, 2 contre, 1 abstention (26 votants, 29 membres en exercice) », from valid counts. */
function voteText(v: Record<string, string | undefined>): string {
  const n = (k: string) => (/^\d{1,4}$/.test((v[k] ?? '').trim()) ? Number(v[k]) : null);
  const plural = (x: number, one: string, many: string) => `${x} ${x > 1 ? many : one}`;
  const [pour, contre, abst] = [n('votePour'), n('voteContre'), n('voteAbstention')];
  const parts = [
    pour !== null ? `${pour} pour` : '',
    contre !== null ? `${contre} contre` : '',
    abst !== null ? plural(abst, 'abstention', 'abstentions') : '',
  ].filter(Boolean);
  const [reel, effectif] = [n('voteReel'), n('voteEffectif')];
  const who = [
    reel !== null ? plural(reel, 'votant', 'votants') : '',
    effectif !== null ? plural(effectif, 'membre en exercice', 'membres en exercice') : '',
  ].filter(Boolean);
  if (parts.length === 0 && who.length === 0) return '';
  return e(`${parts.join(', ')}${who.length ? `${parts.length ? ' ' : ''}(${who.join(', ')})` : ''}`);
}

function dl(items: Array<[string, string]>): string {
  const kept = items.filter(([, value]) => value !== '');
  if (kept.length === 0) return '';
  return `<dl class="fields">${kept.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function multiline(value: string | undefined): string {
  const text = (value ?? '').trim();
  if (!text) return '';
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((para) => `<p>${para.split(/\r?\n/).map(e).join('<br>')}</p>`)
    .join('');
}

/** `<a>` for a contact value: e-mail, phone, web address; else its text. */
export function contactLink(value: string): string {
  const v = value.trim();
  const href = /@/.test(v)
    ? mailHref(v)
    : /^https?:/i.test(v)
      ? webHref(v)
      : /^\+?[\d .-]{8,}$/.test(v)
        ? telHref(v)
        : null;
  if (!href) return e(v);
  const text = href.startsWith('http') ? v.replace(/^https?:\/\//i, '').replace(/\/$/, '') : v;
  return `<a href="${e(href)}">${e(text)}</a>`;
}

/** An image field (actualité): alt text or decorative when empty. */
function fieldImage(ctx: SiteContext, sha: string, alt: string, depth: number): string {
  const info = sha ? ctx.media(sha) : undefined;
  if (!info || !info.mime.startsWith('image/') || !(info.width > 0) || !(info.height > 0)) return '';
  const root = rootPrefix(depth);
  const widths = [...new Set(info.widths)].filter((w) => w > 0 && w <= info.width).sort((a, b) => a - b);
  let src: string;
  let srcset = '';
  if (widths.length > 0) {
    src = mediaPath(sha, info, widths.find((w) => w >= 736) ?? widths[widths.length - 1]!);
    for (const w of widths) ctx.usedMedia.add(mediaPath(sha, info, w));
    srcset = ` srcset="${widths.map((w) => `${root}${mediaPath(sha, info, w)} ${w}w`).join(', ')}" sizes="(min-width: 48em) 46rem, 100vw"`;
  } else {
    src = mediaPath(sha, info);
    ctx.usedMedia.add(src);
  }
  return `<p><img src="${root}${src}"${srcset} width="${info.width}" height="${info.height}" alt="${e(alt.trim())}" decoding="async"></p>`;
}

/** Link to a PDF of the media library, with its size, and optionally its SHA-256. */
export function pdfLink(ctx: SiteContext, sha: string, label: string, depth: number): string {
  const info = sha ? ctx.media(sha) : undefined;
  if (!info || info.mime !== 'application/pdf') return '';
  const path = mediaPath(sha, info);
  ctx.usedMedia.add(path);
  const size = formatBytes(info.bytes);
  return `<a href="${rootPrefix(depth)}${path}" type="application/pdf">${e(label)} (PDF${size ? `, ${size}` : ''})</a>`;
}

const DAY_FR = frenchDateFormat({
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** `<time>` of a `YYYY-MM-DD` with its weekday (« lundi 2 juin 2025 »), or the text escaped. */
function dayHtml(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : NaN;
  if (!Number.isFinite(ms)) return e(date);
  return `<time datetime="${date}">${DAY_FR.format(new Date(ms))}</time>`;
}

/** `<time>` of a `HH:MM` read as French speaks it: « 8 h 30 », « 12 h ». */
function clockHtml(time: string): string {
  if (!TIME.test(time)) return '';
  const [h, m] = time.split(':') as [string, string];
  return `<time datetime="${time}">${Number(h)} h${m === '00' ? '' : ` ${m}`}</time>`;
}

function rangeHtml(from: string | undefined, to: string | undefined): string {
  const [a, b] = [clockHtml(from ?? ''), clockHtml(to ?? '')];
  return a && b ? `de ${a} à ${b}` : '';
}

/** The small photo of an élu, decorative (the name is next to it). */
function memberPhoto(ctx: SiteContext, sha: string, depth: number): string {
  const info = sha ? ctx.media(sha) : undefined;
  if (!info || !info.mime.startsWith('image/') || !(info.width > 0) || !(info.height > 0)) return '';
  const widths = [...new Set(info.widths)].filter((w) => w > 0 && w <= info.width).sort((a, b) => a - b);
  const path = widths.length ? mediaPath(sha, info, widths[0]) : mediaPath(sha, info);
  ctx.usedMedia.add(path);
  const w = 96;
  const h = Math.max(1, Math.round((info.height * w) / info.width));
  return `<img class="member-photo" src="${rootPrefix(depth)}${path}" width="${w}" height="${h}" alt="" loading="lazy" decoding="async">`;
}

function membersTable(ctx: SiteContext, members: ListItem[], depth: number): string {
  const rows = members.filter((m) => (m.name ?? '').trim() !== '');
  if (rows.length === 0) return '';
  const withDelegation = rows.some((m) => (m.delegation ?? '').trim() !== '');
  return `<table class="members"><caption>Composition du conseil municipal</caption><thead><tr><th scope="col">Élu</th><th scope="col">Fonction</th>${
    withDelegation ? '<th scope="col">Délégation</th>' : ''
  }</tr></thead><tbody>${rows
    .map(
      (m) =>
        `<tr><th scope="row">${memberPhoto(ctx, m.photo ?? '', depth)}${e(m.name!.trim())}</th><td>${e(
          (m.role ?? '').trim() || '—',
        )}</td>${withDelegation ? `<td>${e((m.delegation ?? '').trim() || '—')}</td>` : ''}</tr>`,
    )
    .join('')}</tbody></table>`;
}

export function hoursTable(days: ListItem[], heading = '<h2>Horaires d’ouverture</h2>'): string {
  const rows = days.filter((d) => d.day || d.note);
  if (rows.length === 0) return '';
  const label = (day: string) => WEEKDAYS.find((d) => d.value === day)?.label ?? '';
  return `${heading}<table class="hours"><thead><tr><th scope="col">Jour</th><th scope="col">Horaires</th></tr></thead><tbody>${rows
    .map((d) => {
      const ranges = [rangeHtml(d.opens, d.closes), rangeHtml(d.reopens, d.recloses)].filter(Boolean);
      const text = [ranges.join(' et '), e((d.note ?? '').trim())].filter(Boolean).join(' – ');
      return `<tr><th scope="row">${e(label(d.day ?? '') || '—')}</th><td>${text || 'Fermé'}</td></tr>`;
    })
    .join('')}</tbody></table>`;
}

export function closuresList(
  ctx: SiteContext,
  closures: ListItem[],
  heading = '<h2>Fermetures exceptionnelles</h2>',
): string {
  // Closures already over on the day of publication are not shown.
  const today = isoDateParis(ctx.publishedAt);
  const rows = closures.filter((c) => /^\d{4}-\d{2}-\d{2}$/.test(c.from ?? '') && (c.to || c.from)! >= today);
  if (rows.length === 0) return '';
  return `${heading}<ul class="closures">${rows
    .map((c) => {
      const when =
        c.to && c.to !== c.from ? `Du ${dayHtml(c.from!)} au ${dayHtml(c.to)}` : `Le ${dayHtml(c.from!)}`;
      return `<li>${when}${c.reason?.trim() ? ` : ${e(c.reason.trim())}` : ''}</li>`;
    })
    .join('')}</ul>`;
}

function associationsList(entries: ListItem[]): string {
  const rows = entries.filter((a) => (a.name ?? '').trim() !== '');
  if (rows.length === 0) return '';
  return `<ul class="directory">${rows
    .map((a) => {
      const contacts = [a.email, a.phone, a.website]
        .map((c) => (c ?? '').trim())
        .filter(Boolean)
        .map((c) => `<li>${contactLink(c)}</li>`);
      return `<li><p class="entry-name"><strong>${e(a.name!.trim())}</strong></p>${multiline(a.description)}${
        contacts.length ? `<ul class="contacts">${contacts.join('')}</ul>` : ''
      }</li>`;
    })
    .join('')}</ul>`;
}

const COURSES: ReadonlyArray<[string, string]> = [
  ['starter', 'Entrée'],
  ['main', 'Plat'],
  ['side', 'Accompagnement'],
  ['dairy', 'Produit laitier'],
  ['dessert', 'Dessert'],
];

function menuDays(days: ListItem[]): string {
  const rows = days
    .filter((d) => d.date || COURSES.some(([k]) => d[k]))
    .sort((a, b) => ((a.date ?? '') < (b.date ?? '') ? -1 : (a.date ?? '') > (b.date ?? '') ? 1 : 0));
  return rows
    .map((d) => {
      const labels = splitFlags(d.labels)
        .map((v) => MENU_LABELS.find((l) => l.value === v)?.label)
        .filter((l): l is (typeof MENU_LABELS)[number]['label'] => l !== undefined);
      return `<section class="menu-day"><h2>${d.date ? dayHtml(d.date) : 'Menu'}</h2>${dl([
        ...COURSES.map(([k, label]): [string, string] => [label, e((d[k] ?? '').trim())]),
        ['Mentions', e(labels.join(', '))],
        ['Allergènes', e((d.allergens ?? '').trim())],
      ])}</section>`;
    })
    .join('');
}

export const acteKindLabel = (kind: string): string =>
  ACTE_KINDS.find((k) => k.value === kind)?.label ?? 'Acte';

/** The structured block of an inner page, by type. */
export function pageBlock(ctx: SiteContext, page: SitePage, depth: number): string {
  const v = page.fields;
  switch (page.meta.type) {
    case 'accueil':
      return multiline(v.intro);
    case 'page':
      return '';
    case 'actualite':
      return [
        v.date ? `<p class="meta">Publié le ${timeHtml(v.date ?? '')}</p>` : '',
        v.summary ? `<p class="chapo">${e(v.summary)}</p>` : '',
        fieldImage(ctx, v.image ?? '', v.imageAlt ?? '', depth),
      ].join('');
    case 'evenement':
      return (
        dl([
          ['Début', timeHtml(v.startsAt ?? '')],
          ['Fin', timeHtml(v.endsAt ?? '')],
          ['Lieu', e(v.place ?? '')],
          ['Organisateur', e(v.organiser ?? '')],
        ]) + (v.summary ? `<p class="chapo">${e(v.summary)}</p>` : '')
      );
    case 'demarche': {
      const docs = lines(v.documents).map((cells) => `<li>${e(cells.join(' ; '))}</li>`);
      const sp = webHref(v.servicePublicUrl ?? '');
      return [
        v.audience ? `<h2>Qui est concerné ?</h2>${multiline(v.audience)}` : '',
        v.howTo ? `<h2>Comment faire ?</h2>${multiline(v.howTo)}` : '',
        docs.length ? `<h2>Pièces à fournir</h2><ul>${docs.join('')}</ul>` : '',
        sp && /^https?:/.test(sp)
          ? `<p><a href="${e(sp)}">Consulter la fiche officielle sur service-public.fr</a></p>`
          : '',
      ].join('');
    }
    case 'acte': {
      const pdf = ctx.media(v.pdf ?? '');
      const author =
        v.kind === 'arrete' && v.author
          ? `${e(v.author)}${v.authorCapacity ? `, ${e(v.authorCapacity)}` : ''}`
          : '';
      return (
        dl([
          ['Nature', e(acteKindLabel(v.kind ?? ''))],
          ['Numéro', e(v.number ?? '')],
          ['Date', timeHtml(v.date ?? '')],
          ['Objet', e(v.subject ?? '')],
          ['Auteur', author],
          ['Matière', v.kind === 'deliberation' ? e(matiereLabel(v.matiere ?? '')) : ''],
          ['Vote', v.kind === 'deliberation' ? voteText(v) : ''],
          ['Mis en ligne le', timeHtml(v.onlineAt ?? '')],
          ['Acte signé', pdfLink(ctx, v.pdf ?? '', `Télécharger l’acte n° ${v.number ?? ''}`.trim(), depth)],
          ['Empreinte SHA-256', pdf ? `<code class="hash">${e(v.pdf ?? '')}</code>` : ''],
        ]) +
        (pdf
          ? '<p class="note">L’empreinte SHA-256 permet de vérifier que le fichier téléchargé est identique à l’acte signé.</p>'
          : '')
      );
    }
    case 'elus': {
      const members = readPageLists('elus', page.meta.fields).members ?? [];
      return [
        v.councilInstalledOn ? `<p>Conseil municipal installé le ${timeHtml(v.councilInstalledOn)}.</p>` : '',
        membersTable(ctx, members, depth),
      ].join('');
    }
    case 'contact': {
      const lists = readPageLists('contact', page.meta.fields);
      const tel = telHref(v.phone ?? '');
      const mail = mailHref(v.email ?? '');
      return [
        dl([
          ['Adresse', multiline(v.address).replace(/^<p>|<\/p>$/g, '')],
          ['Téléphone', v.phone ? (tel ? `<a href="${e(tel)}">${e(v.phone)}</a>` : e(v.phone)) : ''],
          ['E-mail', v.email ? (mail ? `<a href="${e(mail)}">${e(v.email)}</a>` : e(v.email)) : ''],
        ]),
        hoursTable(lists.hours ?? []),
        closuresList(ctx, lists.closures ?? []),
      ].join('');
    }
    case 'associations':
      return associationsList(readPageLists('associations', page.meta.fields).entries ?? []);
    case 'cantine': {
      const days = readPageLists('cantine', page.meta.fields).menu ?? [];
      return [
        v.weekOf ? `<p class="meta">Semaine du ${timeHtml(v.weekOf)}</p>` : '',
        menuDays(days),
        v.allergens ? `<h2>Allergènes</h2>${multiline(v.allergens)}` : '',
      ].join('');
    }
    case 'risques': {
      const active = isAlertActive(v, ctx.publishedAt);
      const level = ALERT_LEVELS.find((l) => l.value === v.alertLevel)?.label ?? 'Alerte';
      const dicrim = pdfLink(
        ctx,
        v.dicrim ?? '',
        'Document d’information communal sur les risques majeurs (DICRIM)',
        depth,
      );
      return [
        active
          ? `<div class="callout callout-important" role="note"><p><strong>${e(level)} en cours :</strong> ${e(v.alertMessage ?? '')}</p>${
              v.alertUntil ? `<p>Jusqu’au ${timeHtml(v.alertUntil)}.</p>` : ''
            }</div>`
          : '<p>Aucune alerte en cours.</p>',
        dicrim ? `<p>${dicrim}</p>` : '',
      ].join('');
    }
    default:
      return '';
  }
}
