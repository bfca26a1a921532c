// The commune's home: its name, the list of the site's pages, and « Nouvelle page ».
import type { PageMeta } from '../../../site/siteDoc';
import { NewPageForm } from './NewPageForm';
import { useFocusOnMount } from './useFocusOnMount';

interface Props {
  communeName: string;
  pages: PageMeta[];
  onOpenPage: (pageId: string) => void;
  onCreatePage?: (title: string) => Promise<void>;
}

export function HomeScreen({ communeName, pages, onOpenPage, onCreatePage }: Props) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        {communeName}
      </h1>
      {onCreatePage && <NewPageForm onCreate={onCreatePage} />}
      <nav aria-label="Pages du site" className="page-list">
        <h2>Pages du site</h2>
        {pages.length === 0 ? (
          <p>Aucune page pour l’instant.</p>
        ) : (
          <ul>
            {pages.map((page) => (
              <li key={page.id}>
                <button type="button" className="page-link" onClick={() => onOpenPage(page.id)}>
                  <span className="page-title">{page.title || 'Page sans titre'}</span>
                  <span className={`badge badge-${page.status}`}>
                    {page.status === 'published' ? 'Publiée' : 'Brouillon'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>
    </>
  );
}
