// What the publishing controls share ([PUBL-9]: « Mettre en ligne » in PagePublication,
// « Publier les modifications » in SitePublication).

/** Dispatched on window after a successful publication (detail: publishedAt). */
export const PUBLISHED_EVENT = 'usine:published';

export const PUBLISH_OFFLINE_TEXT =
  'Publication impossible hors ligne : elle se fait sur le serveur de la Métropole. Elle sera possible dès le retour de la connexion.';
