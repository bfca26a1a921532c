/**
 * Pages generated from the site's settings, always present and current (SPEC.md [GEN-*]):
 * mentions légales (LCEN art. 6 III), déclaration d’accessibilité (RGAA 4.1.2 model),
 * données personnelles (RGPD; no cookie, no tracker), plan du site.
 */
import { mailHref, webHref } from './fieldLinks';
import { escapeHtml as e } from './renderHtml';
import { ACCESSIBILITY_STATUS_LABELS } from './settings';
import { dateFr, pageHref, type SiteContext, type SitePage, timeHtml } from './siteContext';

export interface GeneratedPage {
  slug: string;
  title: string;
  /** Footer label. */
  label: string;
}

export const GENERATED_PAGES = {
  mentions: { slug: 'mentions-legales', title: 'Mentions légales', label: 'Mentions légales' },
  accessibility: {
    slug: 'accessibilite',
    title: 'Déclaration d’accessibilité',
    label: 'Accessibilité : ',
  },
  privacy: { slug: 'donnees-personnelles', title: 'Données personnelles', label: 'Données personnelles' },
  sitemap: { slug: 'plan-du-site', title: 'Plan du site', label: 'Plan du site' },
} as const satisfies Record<string, GeneratedPage>;

/** The list pages of the theme (SPEC [THEME-4]): one folder each, at the site's root. */
export const LIST_PAGES = {
  news: { slug: 'actualites', title: 'Actualités' },
  agenda: { slug: 'agenda', title: 'Agenda' },
  actes: { slug: 'registre-des-actes', title: 'Registre des actes' },
  openData: { slug: 'donnees-ouvertes', title: 'Données ouvertes' },
} as const satisfies Record<string, { slug: string; title: string }>;

/** Slugs no page of the commune may take: generated pages, list pages, search, media. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  ...Object.values(GENERATED_PAGES).map((p) => p.slug),
  ...Object.values(LIST_PAGES).map((p) => p.slug),
  'recherche',
  'media',
]);

const or = (value: string, fallback: string) => (value.trim() ? e(value.trim()) : fallback);

function address(text: string): string {
  return text.trim()
    ? e(text.trim()).replace(/\r?\n/g, '<br>')
    : '<em>adresse à compléter dans les réglages du site</em>';
}

function mailLink(email: string): string {
  const href = mailHref(email);
  return href ? `<a href="${e(href)}">${e(email.trim())}</a>` : '<em>adresse e-mail à compléter</em>';
}

export function mentionsLegales(ctx: SiteContext): string {
  const s = ctx.settings;
  const link = (slug: string, text: string) => `<a href="../${slug}/index.html">${text}</a>`;
  return [
    '<h2>Éditeur du site</h2>',
    `<p>Commune de ${e(ctx.communeName)}<br>${address(s.address)}<br>Téléphone : ${or(s.phone, '<em>à compléter</em>')}<br>E-mail : ${mailLink(s.email)}</p>`,
    '<h2>Directeur de la publication</h2>',
    `<p>${or(s.mayorName, '<em>nom du maire à compléter</em>')}, maire de ${e(ctx.communeName)}.</p>`,
    '<h2>Hébergement</h2>',
    `<p>${e(ctx.host.name)}<br>${e(ctx.host.address)}<br>Téléphone : ${e(ctx.host.phone)}</p>`,
    '<p>Le site est réalisé et hébergé dans le cadre du service « Usine à sites » de la Métropole, selon la convention signée avec la commune.</p>',
    '<h2>Propriété des contenus</h2>',
    `<p>Les contenus de ce site appartiennent à la commune de ${e(ctx.communeName)}, sauf mention contraire. Les actes administratifs et les données publiées en données ouvertes sont réutilisables librement, en citant leur source.</p>`,
    '<h2>Accessibilité et données personnelles</h2>',
    `<p>Voir la ${link(GENERATED_PAGES.accessibility.slug, 'déclaration d’accessibilité')} et la page ${link(GENERATED_PAGES.privacy.slug, 'données personnelles')}.</p>`,
  ].join('');
}

export function declarationAccessibilite(ctx: SiteContext): string {
  const s = ctx.settings;
  const status = ACCESSIBILITY_STATUS_LABELS[s.accessibilityStatus];
  const nonAccessible = s.nonAccessibleContent
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 300);
  const audited = s.accessibilityAuditDate !== '';
  const plan = webHref(s.accessibilityPlanUrl);
  return [
    `<p>La commune de ${e(ctx.communeName)} s’engage à rendre son site internet accessible conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005.</p>`,
    `<p>Cette déclaration d’accessibilité s’applique au <a href="../index.html">site internet de la commune de ${e(ctx.communeName)}</a> (${e(ctx.siteUrl)}).</p>`,
    '<h2>État de conformité</h2>',
    `<p>Le site de la commune de ${e(ctx.communeName)} est <strong>${e(status)}</strong> avec le référentiel général d’amélioration de l’accessibilité (RGAA), version 4.1.2${
      s.accessibilityStatus === 'totale'
        ? '.'
        : s.accessibilityStatus === 'partielle'
          ? ', en raison des non-conformités énumérées ci-dessous.'
          : audited
            ? ', en raison des non-conformités énumérées ci-dessous.'
            : ' : il n’a pas encore fait l’objet d’un audit de conformité.'
    }</p>`,
    '<h2>Résultats des tests</h2>',
    audited
      ? `<p>L’audit de conformité réalisé${s.accessibilityAuditor ? ` par ${e(s.accessibilityAuditor)}` : ''} le ${timeHtml(s.accessibilityAuditDate)} révèle que ${
          s.accessibilityRate
            ? `${e(s.accessibilityRate)} % des critères du RGAA version 4.1.2 sont respectés`
            : 'les critères du RGAA version 4.1.2 ont été évalués'
        }.</p>`
      : '<p>Aucun audit de conformité n’a encore été réalisé. Les pages sont toutefois produites par un thème standardisé, vérifié automatiquement avant chaque publication (textes alternatifs, ordre des titres, intitulés des liens, contrastes, langue).</p>',
    '<h2>Contenus non accessibles</h2>',
    '<h3>Non-conformités</h3>',
    nonAccessible.length
      ? `<ul>${nonAccessible.map((l) => `<li>${e(l)}</li>`).join('')}</ul>`
      : '<p>Aucune non-conformité n’est connue à ce jour.</p>',
    '<h3>Dérogations pour charge disproportionnée</h3>',
    '<p>Aucune.</p>',
    '<h3>Contenus non soumis à l’obligation d’accessibilité</h3>',
    '<p>Les documents bureautiques publiés avant le 23 septembre 2018, dont certains actes administratifs signés au format PDF.</p>',
    '<h2>Établissement de cette déclaration d’accessibilité</h2>',
    `<p>Cette déclaration a été établie le ${audited ? timeHtml(s.accessibilityAuditDate) : `<time datetime="${new Date(ctx.publishedAt).toISOString().slice(0, 10)}">${e(dateFr(ctx.publishedAt))}</time>`}. Elle est mise à jour à chaque publication du site.</p>`,
    '<h3>Technologies utilisées pour la réalisation du site</h3>',
    '<ul><li>HTML5</li><li>CSS</li></ul>',
    '<h3>Environnement de test</h3>',
    '<p>Vérifications automatiques à chaque publication (validateur HTML Nu, axe-core dans Chromium) ; restitution vérifiable avec NVDA et Firefox, VoiceOver et Safari.</p>',
    '<h3>Pages du site ayant fait l’objet de la vérification</h3>',
    `<ul><li><a href="../index.html">Accueil</a></li><li><a href="../${GENERATED_PAGES.mentions.slug}/index.html">Mentions légales</a></li><li><a href="../${GENERATED_PAGES.sitemap.slug}/index.html">Plan du site</a></li></ul>`,
    '<h2>Retour d’information et contact</h2>',
    `<p>Si vous n’arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter la mairie pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme : ${mailLink(s.email)}${s.phone.trim() ? `, téléphone ${e(s.phone.trim())}` : ''}, ou par courrier : ${address(s.address)}.</p>`,
    '<h2>Voies de recours</h2>',
    '<p>Si vous constatez un défaut d’accessibilité vous empêchant d’accéder à un contenu ou à une fonctionnalité du site, que vous nous le signalez et que vous ne parvenez pas à obtenir une réponse de notre part, vous êtes en droit de faire parvenir vos doléances ou une demande de saisine au Défenseur des droits :</p>',
    '<ul>',
    '<li>écrire un message au Défenseur des droits par le formulaire en ligne : <a href="https://formulaire.defenseurdesdroits.fr/">formulaire.defenseurdesdroits.fr</a> ;</li>',
    '<li>contacter le délégué du Défenseur des droits dans votre région : <a href="https://www.defenseurdesdroits.fr/carte-des-delegues">carte des délégués</a> ;</li>',
    '<li>appeler le 09 69 39 00 00 ;</li>',
    '<li>envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.</li>',
    '</ul>',
    '<h2>Schéma pluriannuel de mise en accessibilité</h2>',
    plan && /^https?:/.test(plan)
      ? `<p><a href="${e(plan)}">Consulter le schéma pluriannuel de mise en accessibilité et son plan d’action</a>.</p>`
      : `<p>Le schéma pluriannuel de mise en accessibilité est disponible sur demande auprès de la mairie : ${mailLink(s.email)}.</p>`,
  ].join('');
}

export function donneesPersonnelles(ctx: SiteContext): string {
  const s = ctx.settings;
  return [
    '<h2>Aucun cookie, aucun traceur</h2>',
    '<p>Ce site ne dépose aucun cookie et n’utilise aucun traceur, aucun outil de mesure d’audience, aucune police ni aucun script provenant d’un autre site. C’est pourquoi aucun bandeau de consentement ne vous est présenté.</p>',
    '<h2>Responsable du traitement</h2>',
    `<p>La commune de ${e(ctx.communeName)}, représentée par son maire${s.mayorName.trim() ? `, ${e(s.mayorName.trim())}` : ''}. ${address(s.address)}.</p>`,
    '<h2>Données traitées</h2>',
    `<p>Ce site ne comporte aucun formulaire et ne collecte aucune donnée personnelle. Comme tout serveur web, celui de l’hébergeur (${e(ctx.host.name)}) enregistre des journaux techniques (adresse IP, page demandée, date) pour assurer la sécurité du service ; ils ne servent à aucune autre fin et sont conservés au plus un an.</p>`,
    '<p>Les pages peuvent mentionner des personnes (élus, responsables d’associations) dans le cadre de la mission d’information de la commune.</p>',
    '<h2>Vos droits</h2>',
    `<p>Vous disposez d’un droit d’accès, de rectification, d’effacement, de limitation et d’opposition sur les données vous concernant (articles 15 à 21 du règlement général sur la protection des données). Pour les exercer, écrivez à ${mailLink(s.email)}.</p>`,
    '<p>Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la Commission nationale de l’informatique et des libertés (<a href="https://www.cnil.fr/fr/plaintes">CNIL</a>).</p>',
  ].join('');
}

/** The plan du site: every published page as a tree, the generated pages and the open data. */
export function planDuSite(tree: string): string {
  const generated = Object.values(GENERATED_PAGES)
    .map((p) => `<li><a href="../${p.slug}/index.html">${e(p.title)}</a></li>`)
    .join('');
  const lists = Object.values(LIST_PAGES)
    .map((p) => `<li><a href="../${p.slug}/index.html">${e(p.title)}</a></li>`)
    .join('');
  const data = [
    '<li><a href="../deliberations.csv" type="text/csv">Délibérations (CSV, schéma SCDL)</a></li>',
    '<li><a href="../actualites.xml" type="application/atom+xml">Flux des actualités (Atom)</a></li>',
    '<li><a href="../evenements.ics" type="text/calendar">Agenda des événements (iCalendar)</a></li>',
    '<li><a href="../actes.csv" type="text/csv">Actes administratifs publiés (CSV)</a></li>',
    '<li><a href="../actes.json" type="application/json">Actes administratifs publiés (JSON)</a></li>',
  ].join('');
  return [
    '<h2>Pages</h2>',
    `<ul><li><a href="../index.html">Accueil</a>${tree}</li>${lists}</ul>`,
    '<h2>Informations légales</h2>',
    `<ul>${generated}</ul>`,
    `<h2>Flux et données ouvertes</h2><ul>${data}</ul>`,
  ].join('');
}

export type { SitePage };
export { pageHref };
