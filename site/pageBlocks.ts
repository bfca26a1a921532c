/**
 * The structured part of each page type, rendered above the page's rich body (SPEC.md
 * [TYPE-*]): dates, place, the signed PDF of an acte with its SHA-256, menus as tables…
 * All values come from the manifest (hostile): every one is escaped; URLs go through safeHref.
 */
import { ACTE_KINDS, ALERT_LEVELS, isAlertActive } from './pageTypes';
import { escapeHtml as e, mediaPath, safeHref } from './renderHtml';
import { formatBytes, lines, rootPrefix, type SiteContext, type SitePage, timeHtml } from './siteContext';

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

function telHref(phone: string): string | null {
  const digits = phone.replace(/[^\d+]/g, '');
  return digits.length >= 4 ? safeHref(`tel:${digits}`) : null;
}

/** `<a>` for a contact value: e-mail, phone, web address; else its text. */
export function contactLink(value: string): string {
  const v = value.trim();
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) {
    const href = safeHref(`mailto:${v}`);
    if (href) return `<a href="${e(href)}">${e(v)}</a>`;
  }
  if (/^https?:\/\//.test(v)) {
    const href = safeHref(v);
    if (href) return `<a href="${e(href)}">${e(v.replace(/^https?:\/\//, '').replace(/\/$/, ''))}</a>`;
  }
  if (/^\+?[\d .-]{8,}$/.test(v)) {
    const href = telHref(v);
    if (href) return `<a href="${e(href)}">${e(v)}</a>`;
  }
  return e(v);
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
      const sp = safeHref(v.servicePublicUrl ?? '');
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
      const members = lines(v.members);
      return [
        v.councilInstalledOn ? `<p>Conseil municipal installé le ${timeHtml(v.councilInstalledOn)}.</p>` : '',
        members.length
          ? `<table><thead><tr><th scope="col">Élu</th><th scope="col">Fonction</th></tr></thead><tbody>${members
              .map(
                ([name, role]) => `<tr><th scope="row">${e(name ?? '')}</th><td>${e(role ?? '')}</td></tr>`,
              )
              .join('')}</tbody></table>`
          : '',
      ].join('');
    }
    case 'contact': {
      const hours = lines(v.hours);
      const tel = telHref(v.phone ?? '');
      const mail = v.email ? safeHref(`mailto:${v.email.trim()}`) : null;
      return [
        dl([
          ['Adresse', multiline(v.address).replace(/^<p>|<\/p>$/g, '')],
          ['Téléphone', v.phone ? (tel ? `<a href="${e(tel)}">${e(v.phone)}</a>` : e(v.phone)) : ''],
          ['E-mail', v.email ? (mail ? `<a href="${e(mail)}">${e(v.email)}</a>` : e(v.email)) : ''],
        ]),
        hours.length
          ? `<h2>Horaires d’ouverture</h2><table><thead><tr><th scope="col">Jour</th><th scope="col">Horaires</th></tr></thead><tbody>${hours
              .map(
                ([day, ...rest]) =>
                  `<tr><th scope="row">${e(day ?? '')}</th><td>${e(rest.join(' ; ') || '—')}</td></tr>`,
              )
              .join('')}</tbody></table>`
          : '',
      ].join('');
    }
    case 'associations': {
      const entries = lines(v.entries);
      return entries.length
        ? `<ul class="directory">${entries
            .map(
              ([name, activity, ...contacts]) =>
                `<li><strong>${e(name ?? '')}</strong>${activity ? ` — ${e(activity)}` : ''}${contacts
                  .filter(Boolean)
                  .map((c) => `<br>${contactLink(c)}`)
                  .join('')}</li>`,
            )
            .join('')}</ul>`
        : '';
    }
    case 'cantine': {
      const menu = lines(v.menu);
      return [
        v.weekOf ? `<p class="meta">Semaine du ${timeHtml(v.weekOf)}</p>` : '',
        menu.length
          ? `<table><thead><tr><th scope="col">Jour</th><th scope="col">Menu</th></tr></thead><tbody>${menu
              .map(
                ([day, ...rest]) =>
                  `<tr><th scope="row">${e(day ?? '')}</th><td>${e(rest.join(' ; ') || '—')}</td></tr>`,
              )
              .join('')}</tbody></table>`
          : '',
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
