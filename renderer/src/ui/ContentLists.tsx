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
import { SelectField } from './forms/SelectField';

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
  const ids = { caption: useId() };
  const rows = listContent(pages, { type, status, sort });

  return (
    <section aria-labelledby={ids.caption} className="content-lists">
      <h2 id={ids.caption}>Actualités, événements et actes</h2>
      <div className="filters">
        <div className="field">
          <SelectField
            label="Type de contenu"
            value={type}
            options={LISTED_TYPES.map((t) => ({ value: t, label: PLURAL_FR[t] }))}
            onChange={(value) => setType(value as ListedType)}
          />
        </div>
        <div className="field">
          <SelectField
            label="État"
            value={status}
            options={[
              { value: 'all', label: 'Tous' },
              { value: 'published', label: 'Publiés' },
              { value: 'draft', label: 'Brouillons' },
            ]}
            onChange={(value) => setStatus(value as StatusFilter)}
          />
        </div>
        <div className="field">
          <SelectField
            label="Trier par"
            value={sort}
            options={[
              { value: 'date-desc', label: 'Date, la plus récente d’abord' },
              { value: 'date-asc', label: 'Date, la plus ancienne d’abord' },
              { value: 'title', label: 'Titre (A → Z)' },
              { value: 'updated', label: 'Dernière modification' },
            ]}
            onChange={(value) => setSort(value as SortKey)}
          />
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
