// On a « Horaires et contact » page whose address, phone or e-mail is empty while the settings
// have them: one button takes them from the settings.
import type * as Y from 'yjs';
import type { PageMeta } from '../../../../site/siteDoc';
import { notify } from '../feedback/Toasts';
import { contactPrefill, prefillContact } from './contactPrefill';

interface Props {
  manifest: Y.Doc;
  page: PageMeta;
  readOnly: boolean;
  agentName: string;
}

export function ContactPrefill({ manifest, page, readOnly, agentName }: Props) {
  if (readOnly || Object.keys(contactPrefill(manifest, page)).length === 0) return null;
  return (
    <p className="contact-prefill">
      <button
        type="button"
        className="small"
        onClick={() => {
          const filled = prefillContact(manifest, page, agentName);
          if (filled.length > 0) notify('Coordonnées reprises des paramètres du site.');
        }}
      >
        Reprendre les coordonnées des paramètres du site
      </button>
    </p>
  );
}
