// Entry point: local store, persistent storage, offline shell (service worker), image view of
// page bodies, the collaborative-undo guard, React root.
import { I18nProvider } from 'react-aria-components';
import { ToastArea } from './ui/feedback/Toasts';
import { createRoot } from 'react-dom/client';
import { electronVault } from './auth/electronVault';
import { installCollabUndoGuard } from './editor/collabUndoGuard';
import { installImageView } from './editor/ImageView';
import { DexieLocalStore } from './store/DexieLocalStore';
import { collectWindowErrors } from './ui/help/recentErrors';
import { App } from './ui/App';
import { entryServer } from './ui/loginChecks';
import './app.css';

const servedOverHttp = location.protocol === 'http:' || location.protocol === 'https:';

/** Over http(s) the editor is served by the Métropole server itself; in Electron, `?server=`. */
const entry = entryServer(location.search, servedOverHttp ? location.origin : undefined);

// Ask the browser not to evict our IndexedDB under storage pressure: it holds unsent work.
void navigator.storage?.persist?.().catch(() => false);

if (servedOverHttp && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .catch((error: unknown) => console.warn('Service worker non enregistré', error));
}

// The last uncaught errors, for the support report (« À propos et aide »).
collectWindowErrors();

// What the editor shows for an image of a page body (site/'s ImageNode stays free of React).
installImageView();
// My undo never hides what another agent wrote in a node I created (editor/collabUndoGuard).
installCollabUndoGuard();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
// French whatever the system's language (React Aria's dates, times, numbers and messages).
createRoot(root).render(
  <I18nProvider locale="fr-FR">
    <App
      store={new DexieLocalStore(electronVault())}
      defaultServerUrl={entry.serverUrl}
      serverFixed={entry.fixed}
    />
    <ToastArea />
  </I18nProvider>,
);
