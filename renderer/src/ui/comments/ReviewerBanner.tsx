// Said calmly to a relecteur at the top of a page: what they can do here, and how.
import { Eye } from 'lucide-react';

export function ReviewerBanner() {
  return (
    <div className="reviewer-banner" role="note" aria-label="Mode relecture">
      <Eye aria-hidden="true" size={18} />
      <p>
        <strong>Vous relisez cette page.</strong> Vous pouvez la lire et la commenter, pas la modifier :
        sélectionnez un passage puis écrivez votre commentaire dans « Commentaires ».
      </p>
    </div>
  );
}
