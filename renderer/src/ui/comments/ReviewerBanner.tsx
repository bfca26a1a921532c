// Said calmly to a relecteur at the top of a page: what they can do here, and how. On a narrow
// screen, where the page's details are a drawer, a button opens it on the comments.
import { Eye } from 'lucide-react';

export function ReviewerBanner({ onOpenComments }: { onOpenComments: () => void }) {
  return (
    <div className="reviewer-banner" role="note" aria-label="Mode relecture">
      <Eye aria-hidden="true" size={18} />
      <p>
        <strong>Vous relisez cette page.</strong> Vous pouvez la lire et la commenter, pas la modifier :
        sélectionnez un passage puis écrivez votre commentaire dans « Commentaires ».
      </p>
      <button type="button" className="reviewer-open-comments" onClick={onOpenComments}>
        Ouvrir les commentaires
      </button>
    </div>
  );
}
