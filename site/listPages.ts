/**
 * The theme's cards and list pages (SPEC [THEME-*]): actualité cards with image, date and
 * summary; event date cards; all actualités, paginated; the agenda (to come, past); the
 * « Registre des actes » by year and by kind; the « Données ouvertes » page; the 404.
 * Pure: HTML strings from the site context.
 */
import { SCDL_DELIBERATIONS } from './deliberations';
import { newsByDate, upcomingEvents } from './feeds';
import { GENERATED_PAGES, LIST_PAGES } from './generatedPages';
import { acteKindLabel, pdfLink } from './pageBlocks';
import { ACTE_KINDS, parisTime } from './pageTypes';
import { escapeHtml as e, mediaPath } from './renderHtml';
import {
  communeOf,
  dateFr,
  isoDateParis,
  pageHref,
  rootPrefix,
  type SiteContext,
  type SitePage,
  timeHtml,
} from './siteContext';

/** Actualités per list page. */
export const NEWS_PER_PAGE = 12;
/** Past events shown on the agenda page (newest first). */
export const PAST_EVENTS_MAX = 24;
/** Events to come shown on the agenda page. */
export const UPCOMING_EVENTS_MAX = 60;

const DAY = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', timeZone: 'Europe/Paris' });
const MONTH = new Intl.DateTimeFormat('fr-FR', { month: 'short', timeZone: 'Europe/Paris' });
const YEAR = new Intl.DateTimeFormat('fr-FR', { year: 'numeric', timeZone: 'Europe/Paris' });
const WEEKDAY = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', timeZone: 'Europe/Paris' });
const CLOCK = new Intl.DateTimeFormat('fr-FR', {
  hour: 'numeric',
  minute: '2-digit',
  timeZone: 'Europe/Paris',
});

/** « 20 h 30 », « 9 h ». */
function clock(ms: number): string {
  const [h, m] = CLOCK.format(new Date(ms)).split(':');
  return `${Number(h)} h${m && m !== '00' ? ` ${m}` : ''}`;
}

/** A small image of a card, decorative (the card's title names it), from the media library. */
function cardImage(ctx: SiteContext, sha: string, depth: number): string {
  const info = sha ? ctx.media(sha) : undefined;
  if (!info || !info.mime.startsWith('image/') || !(info.width > 0) || !(info.height > 0)) return '';
  const root = rootPrefix(depth);
  const widths = [...new Set(info.widths)].filter((w) => w > 0 && w <= info.width).sort((a, b) => a - b);
  let src: string;
  let srcset = '';
  if (widths.length > 0) {
    src = mediaPath(sha, info, widths.find((w) => w >= 480) ?? widths[widths.length - 1]!);
    for (const w of widths) ctx.usedMedia.add(mediaPath(sha, info, w));
    srcset = ` srcset="${widths.map((w) => `${root}${mediaPath(sha, info, w)} ${w}w`).join(', ')}" sizes="(min-width: 64em) 23rem, (min-width: 40em) 45vw, 100vw"`;
  } else {
    src = mediaPath(sha, info);
    ctx.usedMedia.add(src);
  }
  return `<img src="${root}${src}"${srcset} width="${info.width}" height="${info.height}" alt="" loading="lazy" decoding="async">`;
}

/**
 * Cards memoised on the page's metadata object: the publisher passes the same immutable
 * objects for the pages online each time (PageReleases), so a republish draws only the cards
 * of pages that changed. The key holds everything else a card depends on; the media it uses
 * are replayed into `ctx.usedMedia`.
 */
const cardMemo = new WeakMap<object, Map<string, { html: string; media: readonly string[] }>>();

function memoCard(ctx: SiteContext, page: SitePage, key: string, draw: (ctx: SiteContext) => string): string {
  if (ctx.mediaStamp === undefined) return draw(ctx);
  const fullKey = `${key}\0${page.slug}\0${ctx.mediaStamp}`;
  let byKey = cardMemo.get(page.meta);
  const hit = byKey?.get(fullKey);
  if (hit) {
    for (const m of hit.media) ctx.usedMedia.add(m);
    return hit.html;
  }
  const used = new Set<string>();
  const html = draw({ ...ctx, usedMedia: used });
  for (const m of used) ctx.usedMedia.add(m);
  if (!byKey) cardMemo.set(page.meta, (byKey = new Map()));
  if (byKey.size >= 8) byKey.clear();
  byKey.set(fullKey, { html, media: [...used] });
  return html;
}

/** An actualité as a card: image, title (the link), date, summary. */
export function newsCard(ctx: SiteContext, page: SitePage, depth: number, level: 2 | 3): string {
  return memoCard(ctx, page, `news${depth}${level}`, (c) => drawNewsCard(c, page, depth, level));
}

function drawNewsCard(ctx: SiteContext, page: SitePage, depth: number, level: 2 | 3): string {
  const img = cardImage(ctx, page.fields.image ?? '', depth);
  const summary = (page.fields.summary ?? '').trim();
  return `<li class="card${img ? '' : ' no-img'}">${img ? `<div class="card-img">${img}</div>` : ''}<div class="card-body"><h${level}><a href="${pageHref(page, depth)}">${e(page.title)}</a></h${level}>${
    page.fields.date ? `<p class="meta">${timeHtml(page.fields.date)}</p>` : ''
  }${summary ? `<p>${e(summary.length > 220 ? `${summary.slice(0, 219)}…` : summary)}</p>` : ''}</div></li>`;
}

/** An événement as a date card: the day in large, the title, the time and the place. */
export function eventCard(page: SitePage, depth: number, level: 2 | 3): string {
  const start = parisTime(page.fields.startsAt ?? '');
  if (start === null) return '';
  const end = parisTime(page.fields.endsAt ?? '');
  const sameDay = end !== null && isoDateParis(end) === isoDateParis(start);
  const hours = `${clock(start)}${sameDay && end! > start ? ` à ${clock(end!)}` : ''}`;
  const place = (page.fields.place ?? '').trim();
  const iso = new Date(start).toISOString();
  return `<li class="event"><p class="date-badge"><time datetime="${iso}"><span class="day">${DAY.format(start)}</span> <span class="month">${e(
    MONTH.format(start).replace('.', ''),
  )}</span> <span class="year">${YEAR.format(start)}</span></time></p><div class="event-body"><h${level}><a href="${pageHref(page, depth)}">${e(page.title)}</a></h${level}><p class="meta">${
    end !== null && !sameDay && end > start
      ? `Jusqu’au ${e(dateFr(end))}`
      : `${e(WEEKDAY.format(start))}, ${hours}`
  }${place ? ` · ${e(place)}` : ''}</p></div></li>`;
}

export interface ListPage {
  path: string;
  title: string;
  main: string;
  /** Ids of the pages it shows (the cache of inner pages does not cover list pages). */
}

const crumbs = (title: string, parent?: { slug: string; title: string }) =>
  `<nav class="breadcrumb" aria-label="Fil d’Ariane"><ol><li><a href="../index.html">Accueil</a></li>${
    parent ? `<li><a href="../${parent.slug}/index.html">${e(parent.title)}</a></li>` : ''
  }<li><span aria-current="page">${e(title)}</span></li></ol></nav>`;

/** Page numbers: « 1 2 3 », the current one marked (aria-current). */
function pagination(count: number, current: number, file: (n: number) => string): string {
  if (count <= 1) return '';
  const items = Array.from({ length: count }, (_, i) => i + 1).map((n) =>
    n === current
      ? `<li><a href="${file(n)}" aria-current="page">${n}</a></li>`
      : `<li><a href="${file(n)}">${n}</a></li>`,
  );
  const prev = current > 1 ? `<li><a href="${file(current - 1)}">Page précédente</a></li>` : '';
  const next = current < count ? `<li><a href="${file(current + 1)}">Page suivante</a></li>` : '';
  return `<nav class="pagination" aria-label="Pages des actualités"><ul>${prev}${items.join('')}${next}</ul></nav>`;
}

/** `actualites/index.html`, `actualites/page-2.html`…: every actualité, newest first. */
export function newsPages(ctx: SiteContext): ListPage[] {
  const news = newsByDate(ctx);
  const count = Math.max(1, Math.ceil(news.length / NEWS_PER_PAGE));
  const file = (n: number) => (n === 1 ? './index.html' : `./page-${n}.html`);
  const { slug, title } = LIST_PAGES.news;
  const pages: ListPage[] = [];
  for (let n = 1; n <= count; n++) {
    const slice = news.slice((n - 1) * NEWS_PER_PAGE, n * NEWS_PER_PAGE);
    const heading = n === 1 ? title : `${title} – page ${n} sur ${count}`;
    pages.push({
      path: `${slug}/${file(n).slice(2)}`,
      title: heading,
      main: [
        crumbs(heading, n === 1 ? undefined : LIST_PAGES.news),
        `<h1>${e(heading)}</h1>`,
        slice.length
          ? `<ul class="cards">${slice.map((p) => newsCard(ctx, p, 1, 2)).join('')}</ul>`
          : '<p>Aucune actualité pour le moment.</p>',
        pagination(count, n, file),
        '<p><a href="../actualites.xml" type="application/atom+xml">S’abonner au flux des actualités (Atom)</a></p>',
      ].join(''),
    });
  }
  return pages;
}

/** `agenda/index.html`: events to come, soonest first, then the latest past ones. */
export function agendaPage(ctx: SiteContext): ListPage {
  const upcoming = upcomingEvents(ctx, ctx.publishedAt);
  const kept = new Set(upcoming.map((p) => p.meta.id));
  const past = ctx.pages
    .filter(
      (p) =>
        p.meta.type === 'evenement' && !kept.has(p.meta.id) && parisTime(p.fields.startsAt ?? '') !== null,
    )
    .sort(
      (a, b) =>
        parisTime(b.fields.startsAt!)! - parisTime(a.fields.startsAt!)! || (a.meta.id < b.meta.id ? -1 : 1),
    )
    .slice(0, PAST_EVENTS_MAX);
  const { title } = LIST_PAGES.agenda;
  return {
    path: `${LIST_PAGES.agenda.slug}/index.html`,
    title,
    main: [
      crumbs(title),
      `<h1>${e(title)}</h1>`,
      '<h2>À venir</h2>',
      upcoming.length
        ? `<ul class="events">${upcoming
            .slice(0, UPCOMING_EVENTS_MAX)
            .map((p) => eventCard(p, 1, 3))
            .join('')}</ul>`
        : '<p>Aucun événement à venir pour le moment.</p>',
      past.length
        ? `<h2>Événements passés</h2><ul class="events past">${past.map((p) => eventCard(p, 1, 3)).join('')}</ul>`
        : '',
      '<p><a href="../evenements.ics" type="text/calendar">Ajouter l’agenda à votre calendrier (iCalendar)</a></p>',
    ].join(''),
  };
}

function acteYear(p: SitePage): string {
  const m = /^(\d{4})-\d{2}-\d{2}$/.exec(p.fields.date ?? '');
  return m ? m[1]! : 'Sans date';
}

/**
 * `registre-des-actes/index.html` (the latest year) and `registre-des-actes/<year>.html`:
 * the actes of a year, grouped by kind, as tables (number, date, subject, signed PDF).
 */
export function registrePages(ctx: SiteContext): ListPage[] {
  const actes = ctx.pages
    .filter((p) => p.meta.type === 'acte')
    .sort((a, b) =>
      (a.fields.date ?? '') !== (b.fields.date ?? '')
        ? (a.fields.date ?? '') < (b.fields.date ?? '')
          ? 1
          : -1
        : (a.fields.number ?? '') < (b.fields.number ?? '')
          ? 1
          : -1,
    );
  const byYear = new Map<string, SitePage[]>();
  for (const p of actes) byYear.set(acteYear(p), [...(byYear.get(acteYear(p)) ?? []), p]);
  const years = [...byYear.keys()].sort((a, b) =>
    a === 'Sans date' ? 1 : b === 'Sans date' ? -1 : a < b ? 1 : -1,
  );
  const { slug, title } = LIST_PAGES.actes;
  const file = (year: string, i: number) =>
    i === 0 ? './index.html' : `./${year === 'Sans date' ? 'sans-date' : year}.html`;
  const intro =
    '<p class="chapo">Les délibérations, arrêtés et procès-verbaux de la commune, publiés sous forme électronique (article L2131-1 du code général des collectivités territoriales). Chaque acte reste en ligne au moins deux mois.</p>' +
    `<p>Données ouvertes : <a href="../deliberations.csv" type="text/csv">délibérations (CSV)</a>, <a href="../actes.csv" type="text/csv">tous les actes (CSV)</a> – <a href="../${LIST_PAGES.openData.slug}/index.html">licence et schémas des données ouvertes</a>.</p>`;
  if (years.length === 0)
    return [
      {
        path: `${slug}/index.html`,
        title,
        main: `${crumbs(title)}<h1>${e(title)}</h1>${intro}<p>Aucun acte publié pour le moment.</p>`,
      },
    ];
  return years.map((year, i) => {
    const heading = i === 0 ? title : `${title} – ${year}`;
    const nav = `<nav class="years" aria-label="Années du registre"><ul>${years
      .map((y, j) => `<li><a href="${file(y, j)}"${j === i ? ' aria-current="page"' : ''}>${e(y)}</a></li>`)
      .join('')}</ul></nav>`;
    const list = byYear.get(year)!;
    const kinds = [...ACTE_KINDS.map((k) => k.value as string), '']
      .map((kind) => ({
        kind,
        items: list.filter((p) =>
          kind === '' ? !ACTE_KINDS.some((k) => k.value === p.fields.kind) : p.fields.kind === kind,
        ),
      }))
      .filter((g) => g.items.length > 0);
    const tables = kinds
      .map(({ kind, items }) => {
        const label = kind ? `${acteKindLabel(kind)}s` : 'Autres actes';
        return `<h3>${e(label)} <span class="count">(${items.length})</span></h3><table class="registre"><thead><tr><th scope="col">Numéro et date</th><th scope="col">Objet et acte signé</th></tr></thead><tbody>${items
          .map((p) => {
            const number = (p.fields.number ?? '').trim();
            const pdf = pdfLink(ctx, p.fields.pdf ?? '', `Acte signé${number ? ` n° ${number}` : ''}`, 1);
            const date = timeHtml(p.fields.date ?? '');
            return `<tr><th scope="row"><a href="${pageHref(p, 1)}">${e(number || p.title)}</a>${date ? `<br>${date}` : ''}</th><td>${e(
              (p.fields.subject ?? '').trim() || p.title,
            )}${pdf ? `<br>${pdf}` : ''}</td></tr>`;
          })
          .join('')}</tbody></table>`;
      })
      .join('');
    return {
      path: `${slug}/${file(year, i).slice(2)}`,
      title: heading,
      main: `${crumbs(heading, i === 0 ? undefined : LIST_PAGES.actes)}<h1>${e(heading)}</h1>${intro}${nav}<h2>${
        year === 'Sans date' ? 'Actes sans date' : `Année ${e(year)}`
      }</h2>${tables}`,
    };
  });
}

export interface OpenDataFile {
  file: string;
  title: string;
  format: string;
  schema: { label: string; url?: string };
  updatedAt: number;
}

/** `donnees-ouvertes/index.html`: each file, its licence, its schema and its update date. */
export function openDataPage(ctx: SiteContext, files: readonly OpenDataFile[]): ListPage {
  const { title } = LIST_PAGES.openData;
  const rows = files
    .map((f) => {
      const updated = f.updatedAt > 0 ? f.updatedAt : ctx.publishedAt;
      const schema = f.schema.url
        ? `<a href="${e(f.schema.url)}">${e(f.schema.label)}</a>`
        : e(f.schema.label);
      return `<tr><th scope="row"><a href="../${e(f.file)}">${e(f.title)} (${e(f.format)})</a></th><td>${schema}<br>Mis à jour le <time datetime="${isoDateParis(updated)}">${e(
        dateFr(updated),
      )}</time></td></tr>`;
    })
    .join('');
  return {
    path: `${LIST_PAGES.openData.slug}/index.html`,
    title,
    main: [
      crumbs(title),
      `<h1>${e(title)}</h1>`,
      `<p class="chapo">La ${e(communeOf(ctx.communeName).replace(/^Commune/, 'commune'))} publie ses données publiques en accès libre (article L312-1-1 du code des relations entre le public et l’administration). Elles sont mises à jour à chaque publication du site.</p>`,
      `<p>Licence : <a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence Ouverte 2.0 (Etalab)</a>. Vous pouvez les réutiliser librement, y compris à des fins commerciales, en citant leur source (« ${e(communeOf(ctx.communeName))} ») et la date de leur dernière mise à jour.</p>`,
      `<table class="open-data"><caption>Fichiers publiés</caption><thead><tr><th scope="col">Fichier</th><th scope="col">Schéma et mise à jour</th></tr></thead><tbody>${rows}</tbody></table>`,
      `<p>Le fichier des délibérations suit le schéma national <a href="${SCDL_DELIBERATIONS.url}">SCDL « Délibérations » ${SCDL_DELIBERATIONS.version}</a> : il peut être moissonné par data.gouv.fr et vérifié avec le validateur Validata. Il contient les délibérations dont la matière (nomenclature ACTES) est renseignée.</p>`,
    ].join(''),
  };
}

/** The search form (SPEC [THEME-2]): GET `q` to the search, else to the plan du site. */
export function searchForm(action: string, id: string, name = ''): string {
  const label = name ? ` aria-label="${e(name)}"` : '';
  return `<form class="search" role="search"${label} method="get" action="${e(action)}"><label for="${id}">Rechercher sur le site</label><span class="search-row"><input id="${id}" name="q" type="search" maxlength="200" autocomplete="off"><button type="submit">Rechercher</button></span></form>`;
}

/** `404.html` (depth 0: the server serves it with a `<base>` of the site's root). */
export function notFoundMain(ctx: SiteContext, searchAction: string): string {
  return [
    '<div class="wrap not-found">',
    '<p class="status">Erreur 404</p>',
    '<h1>Page introuvable</h1>',
    `<p class="chapo">La page que vous cherchez n’existe pas ou plus sur le site de la ${e(communeOf(ctx.communeName).replace(/^Commune/, 'commune'))}. Si vous avez tapé l’adresse, vérifiez-la ; si vous avez suivi un lien, il est peut-être ancien.</p>`,
    searchForm(searchAction, 'recherche-404', 'Rechercher la page'),
    '<ul class="ways">',
    '<li><a href="./index.html">Revenir à l’accueil</a></li>',
    `<li><a href="./${GENERATED_PAGES.sitemap.slug}/index.html">Consulter le plan du site</a></li>`,
    '</ul>',
    '</div>',
  ].join('');
}
