/**
 * The home page of the theme (SPEC [THEME-1]): the banner photo with the commune's name and
 * welcome text, « Accès rapides » (tiles chosen in the settings, else derived from the
 * site's pages), « À la une » (latest actualités as cards), « Agenda » (next events as date
 * cards), the home page's own body, and « La mairie » (address, phone, e-mail, hours).
 */
import { mailHref, telHref, webHref } from './fieldLinks';
import { newsByDate, upcomingEvents } from './feeds';
import { GENERATED_PAGES, LIST_PAGES } from './generatedPages';
import { iconSvg, type IconName } from './icons';
import { eventCard, newsCard } from './listPages';
import { closuresList, hoursTable } from './pageBlocks';
import { type PageType, readPageLists } from './pageTypes';
import { parseQuickLinks, QUICK_LINKS_MAX } from './quickLinks';
import { escapeHtml as e, mediaPath } from './renderHtml';
import { pageHref, type SiteContext, type SitePage } from './siteContext';

export const HOME_NEWS = 3;
export const HOME_EVENTS = 4;

interface Tile {
  icon: IconName;
  href: string;
  label: string;
}

/** Generated and list pages a tile may name by their slug. */
const BUILT_IN: ReadonlyArray<{ slug: string; title: string }> = [
  ...Object.values(LIST_PAGES),
  ...Object.values(GENERATED_PAGES),
];

/** The tiles chosen in the settings; unknown pages are left out. */
function chosenTiles(ctx: SiteContext): Tile[] {
  const tiles: Tile[] = [];
  for (const link of parseQuickLinks(ctx.settings.quickLinks).links) {
    if (/^https?:/.test(link.target)) {
      const href = webHref(link.target);
      if (href && /^https?:/.test(href))
        tiles.push({ icon: link.icon, href, label: link.label || link.target });
      continue;
    }
    const page = ctx.pages.find((p) => p.slug === link.target && p.meta.type !== 'accueil');
    const builtIn = BUILT_IN.find((b) => b.slug === link.target);
    if (page) tiles.push({ icon: link.icon, href: pageHref(page, 0), label: link.label || page.title });
    else if (builtIn)
      tiles.push({
        icon: link.icon,
        href: `./${builtIn.slug}/index.html`,
        label: link.label || builtIn.title,
      });
  }
  return tiles;
}

/** Without a choice: a tile per kind of page the site has. */
function defaultTiles(ctx: SiteContext): Tile[] {
  const first = (type: PageType) => ctx.pages.find((p) => p.meta.type === type);
  const tiles: Tile[] = [];
  const page = (type: PageType, icon: IconName, label: string) => {
    const p = first(type);
    if (p) tiles.push({ icon, href: pageHref(p, 0), label });
  };
  const list = (slug: string, icon: IconName, label: string, type: PageType) => {
    if (first(type)) tiles.push({ icon, href: `./${slug}/index.html`, label });
  };
  page('demarche', 'demarches', 'Démarches');
  page('contact', 'mairie', 'Contacter la mairie');
  list(LIST_PAGES.agenda.slug, 'agenda', 'Agenda', 'evenement');
  list(LIST_PAGES.news.slug, 'actualites', 'Actualités', 'actualite');
  page('cantine', 'ecole', 'Menus de la cantine');
  page('associations', 'associations', 'Associations');
  page('elus', 'etat-civil', 'Vos élus');
  list(LIST_PAGES.actes.slug, 'actes', 'Registre des actes', 'acte');
  page('risques', 'risques', 'Risques et alertes');
  return tiles;
}

function quickAccess(ctx: SiteContext): string {
  const chosen = chosenTiles(ctx);
  const tiles = (chosen.length ? chosen : defaultTiles(ctx)).slice(0, QUICK_LINKS_MAX);
  if (tiles.length === 0) return '';
  return `<section class="quick" aria-labelledby="acces-titre"><h2 id="acces-titre">Accès rapides</h2><ul class="tiles">${tiles
    .map((t) => `<li><a href="${e(t.href)}">${iconSvg(t.icon)}<span>${e(t.label)}</span></a></li>`)
    .join('')}</ul></section>`;
}

/** The banner photo: decorative (the commune's name is the heading over it). */
function banner(ctx: SiteContext): string {
  const sha = ctx.settings.banner;
  const info = sha ? ctx.media(sha) : undefined;
  if (!info || !info.mime.startsWith('image/') || !(info.width > 0) || !(info.height > 0)) return '';
  const widths = [...new Set(info.widths)].filter((w) => w > 0 && w <= info.width).sort((a, b) => a - b);
  let src: string;
  let srcset = '';
  if (widths.length > 0) {
    src = mediaPath(sha, info, widths.find((w) => w >= 960) ?? widths[widths.length - 1]!);
    for (const w of widths) ctx.usedMedia.add(mediaPath(sha, info, w));
    srcset = ` srcset="${widths.map((w) => `./${mediaPath(sha, info, w)} ${w}w`).join(', ')}" sizes="100vw"`;
  } else {
    src = mediaPath(sha, info);
    ctx.usedMedia.add(src);
  }
  return `<img class="hero-img" src="./${src}"${srcset} width="${info.width}" height="${info.height}" alt="" fetchpriority="high">`;
}

function hero(ctx: SiteContext, home: SitePage | undefined): string {
  const img = banner(ctx);
  const intro = (home?.fields.intro ?? '').trim();
  return `<div class="hero${img ? ' has-img' : ''}">${img}<div class="wrap"><div class="hero-text"><h1>${e(ctx.communeName)}</h1>${
    intro ? `<p class="intro">${e(intro)}</p>` : ''
  }</div></div></div>`;
}

function headlines(ctx: SiteContext): string {
  const news = newsByDate(ctx).slice(0, HOME_NEWS);
  if (news.length === 0) return '';
  return `<section aria-labelledby="une-titre"><h2 id="une-titre">À la une</h2><ul class="cards">${news
    .map((p) => newsCard(ctx, p, 0, 3))
    .join(
      '',
    )}</ul><p class="more"><a href="./${LIST_PAGES.news.slug}/index.html">Toutes les actualités</a></p></section>`;
}

function agenda(ctx: SiteContext): string {
  const events = upcomingEvents(ctx, ctx.publishedAt).slice(0, HOME_EVENTS);
  if (events.length === 0) return '';
  return `<section aria-labelledby="agenda-titre"><h2 id="agenda-titre">Agenda</h2><ul class="events">${events
    .map((p) => eventCard(p, 0, 3))
    .join(
      '',
    )}</ul><p class="more"><a href="./${LIST_PAGES.agenda.slug}/index.html">Tout l’agenda</a></p></section>`;
}

/** « La mairie »: the contact page's details (else the settings'), hours and closures. */
function townHall(ctx: SiteContext): string {
  const contact = ctx.pages.find((p) => p.meta.type === 'contact');
  const s = ctx.settings;
  const address = (contact?.fields.address ?? '').trim() || s.address.trim();
  const phone = (contact?.fields.phone ?? '').trim() || s.phone.trim();
  const email = (contact?.fields.email ?? '').trim() || s.email.trim();
  const tel = telHref(phone);
  const mail = mailHref(email);
  const lists = contact ? readPageLists('contact', contact.meta.fields) : { hours: [], closures: [] };
  const items = [
    address ? `<li><strong>Adresse</strong><br>${e(address).replace(/\r?\n/g, '<br>')}</li>` : '',
    phone
      ? `<li><strong>Téléphone</strong><br>${tel ? `<a href="${e(tel)}">${e(phone)}</a>` : e(phone)}</li>`
      : '',
    email
      ? `<li><strong>E-mail</strong><br>${mail ? `<a href="${e(mail)}">${e(email)}</a>` : e(email)}</li>`
      : '',
  ].filter(Boolean);
  const hours = hoursTable(lists.hours ?? [], '<h3>Horaires d’ouverture</h3>');
  const closures = closuresList(ctx, lists.closures ?? [], '<h3>Fermetures exceptionnelles</h3>');
  if (items.length === 0 && !hours) return '';
  return `<section class="town-hall" aria-labelledby="mairie-titre"><h2 id="mairie-titre">La mairie</h2><div class="town-hall-grid"><div><ul class="contact-list">${items.join(
    '',
  )}</ul>${contact ? `<p><a href="${pageHref(contact, 0)}">${e(contact.title)}</a></p>` : ''}</div><div>${hours}${closures}</div></div></section>`;
}

/** The main content of `index.html`; `body` is the home page's rendered body. */
export function homeMain(ctx: SiteContext, home: SitePage | undefined, blocks: string, body: string): string {
  const own = blocks + body;
  return [
    hero(ctx, home),
    '<div class="wrap">',
    quickAccess(ctx),
    headlines(ctx),
    agenda(ctx),
    own
      ? `<section class="home-body" aria-labelledby="bienvenue-titre"><h2 id="bienvenue-titre">Bienvenue</h2>${own}</section>`
      : '',
    townHall(ctx),
    '</div>',
  ].join('');
}
