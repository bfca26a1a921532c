// « Premiers pas » on the dashboard: four steps computed from the facts, each linking to where
// it is done, and « Créer les pages de départ » (a confirmation dialog listing the pages).
import { CheckCircle2, Circle } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Modal } from 'react-aria-components';
import type * as Y from 'yjs';
import { readSiteSettings } from '../../../../site/settings';
import { type PageMeta, settingsMap } from '../../../../site/siteDoc';
import { starterPages } from '../../../../site/starterPages';
import { notify } from '../feedback/Toasts';
import { firstSteps } from './checklist';

interface Props {
  manifest: Y.Doc;
  communeName: string;
  pages: readonly PageMeta[];
  lastPublishedAt: number | null | undefined;
  /** Absent for a relecteur (nothing to create). */
  onCreateStarterPages?: () => Promise<number>;
}

/** Re-renders on every change of the settings. */
function useSettingsVersion(manifest: Y.Doc): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const map = settingsMap(manifest);
    const bump = () => setVersion((v) => v + 1);
    map.observe(bump);
    return () => map.unobserve(bump);
  }, [manifest]);
  return version;
}

export function FirstSteps({ manifest, communeName, pages, lastPublishedAt, onCreateStarterPages }: Props) {
  useSettingsVersion(manifest);
  const settings = readSiteSettings(manifest, communeName);
  const steps = firstSteps({
    settings,
    accentChosen: typeof settingsMap(manifest).get('accentColor') === 'string',
    pages,
    lastPublishedAt,
  });
  const done = steps.filter((s) => s.done).length;
  if (done === steps.length) return null;
  const pagesDone = steps.find((s) => s.id === 'pages')?.done ?? false;
  return (
    <section className="card first-steps" aria-labelledby="first-steps-title">
      <h2 id="first-steps-title">Premiers pas</h2>
      <p className="hint">
        {done} étape{done > 1 ? 's' : ''} sur {steps.length} faite{done > 1 ? 's' : ''}.
      </p>
      <ol className="first-steps-list">
        {steps.map((step) => (
          <li key={step.id} className={step.done ? 'step done' : 'step'}>
            {step.done ? (
              <CheckCircle2 aria-hidden="true" size={20} className="step-icon" />
            ) : (
              <Circle aria-hidden="true" size={20} className="step-icon" />
            )}
            <div>
              <p className="step-title">
                {step.title}
                <span className="visually-hidden">{step.done ? ' (fait)' : ' (à faire)'}</span>
              </p>
              <p className="step-detail">{step.detail}</p>
              {!step.done && <a href={`#${step.route}`}>{step.action}</a>}
              {step.id === 'pages' && !pagesDone && onCreateStarterPages && (
                <StarterPagesDialog communeName={settings.name} onCreate={onCreateStarterPages} />
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function StarterPagesDialog({
  communeName,
  onCreate,
}: {
  communeName: string;
  onCreate: () => Promise<number>;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const titles = starterPages({ communeName, address: '', phone: '', email: '', today: '' }).map(
    (p) => p.title,
  );
  return (
    <DialogTrigger onOpenChange={() => setProblem(undefined)}>
      <Button className="small starter-button">Créer les pages de départ</Button>
      <Modal className="modal-overlay-content" isDismissable>
        <Dialog className="rac-dialog">
          {({ close }) => (
            <>
              <Heading slot="title">Créer les pages de départ</Heading>
              <p>Ces pages sont créées en brouillon, avec un texte d’exemple à remplacer :</p>
              <ul>
                {titles.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
              <p className="hint">Une page déjà présente sur le site n’est pas créée une deuxième fois.</p>
              {problem && (
                <p role="alert" className="error">
                  {problem}
                </p>
              )}
              <div className="actions">
                <Button
                  className="primary"
                  isDisabled={busy}
                  onPress={async () => {
                    setBusy(true);
                    try {
                      const count = await onCreate();
                      close();
                      notify(
                        count === 0
                          ? 'Toutes ces pages existaient déjà.'
                          : `${count} page${count > 1 ? 's' : ''} créée${count > 1 ? 's' : ''} en brouillon.`,
                        count === 0
                          ? undefined
                          : 'Remplacez les textes marqués « À remplacer » avant de publier.',
                      );
                    } catch (error) {
                      console.error(error);
                      setProblem('Les pages n’ont pas pu être créées sur cet ordinateur. Réessayez.');
                    } finally {
                      setBusy(false);
                    }
                  }}
                >
                  Créer ces pages
                </Button>
                <Button onPress={close}>Annuler</Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
