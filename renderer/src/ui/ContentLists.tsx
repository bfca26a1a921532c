// Actualités, événements and actes as sortable, filterable tables.
import { useId, useState } from 'react';
import type { PageStatusEntry } from '../../../site/apiContract';
import { type PageMeta, PAGE_TYPE_LABELS_FR } from '../../../site/siteDoc';
import {
  contentDate,
  LISTED_TYPES,
  type ListedType,
  listContent,
  type SortKey,
  type StatusFilter,
} from '../tree/contentLists';
import { pageState, pageStateLabel } from '../tree/pageState';
import { formatDate, formatDateTime } from './formatDate';

const PLURAL_FR: Record<ListedType, string> = {
  actualite: 'Actualités',
  evenement: 'Événements',
  acte: 'Actes administratifs',
};

export function ContentLists({
  pages,
  onOpenPage,
  initialType = 'actualite',
  statuses = null,
}: {
  pages: PageMeta[];
  /** [PUBL-9] The server's page statuses: the « État » column says what the site shows. */
  statuses?: ReadonlyMap<string, PageStatusEntry> | null;
  onOpenPage: (id: string) => void;
  /** The list first shown (the screen « Actualités », « Agenda » or « Actes »). */
  initialType?: ListedType;
}) {
  const [type, setType] = useState<ListedType>(initialType);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [sort, setSort] = useState<SortKey>('date-desc');
  const ids = { type: useId(), status: useId(), sort: useId(), caption: useId() };
  const rows = listContent(pages, { type, status, sort });

  return (
    <section aria-labelledby={ids.caption} className="content-lists">
      <h2 id={ids.caption}>Actualités, événements et actes</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor={ids.type}>Type de contenu</label>
          <select id={ids.type} value={type} onChange={(e) => setType(e.target.value as ListedType)}>
            {LISTED_TYPES.map((t) => (
              <option key={t} value={t}>
                {PLURAL_FR[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.status}>État</label>
          <select id={ids.status} value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="all">Tous</option>
            <option value="published">Publiés</option>
            <option value="draft">Brouillons</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.sort}>Trier par</label>
          <select id={ids.sort} value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="date-desc">Date, la plus récente d’abord</option>
            <option value="date-asc">Date, la plus ancienne d’abord</option>
            <option value="title">Titre (A → Z)</option>
            <option value="updated">Dernière modification</option>
          </select>
        </div>
      </div>
      {rows.length === 0 ? (
        <p>Aucun contenu de type « {PAGE_TYPE_LABELS_FR[type]} » ne correspond.</p>
      ) : (
        <table>
          <caption className="visually-hidden">
            {PLURAL_FR[type]} ({rows.length})
          </caption>
          <thead>
            <tr>
              <th scope="col">Titre</th>
              <th scope="col">Date</th>
              <th scope="col">État</th>
              <th scope="col">Dernière modification</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => onOpenPage(p.id)}>
                    {p.title || 'Sans titre'}
                  </button>
                </td>
                <td>{formatDate(contentDate(p))}</td>
                <td>{pageStateLabel(pageState(p.id, statuses), formatDateTime)}</td>
                <td>
                  {p.updatedAt ? formatDateTime(p.updatedAt) : '—'}
                  {p.updatedBy ? ` par ${p.updatedBy}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
