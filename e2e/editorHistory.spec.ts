// Issue 5 journey — an older version restored: snapshots are taken at each editing session,
// compared with the current version, and the restore is a new edit B sees live.
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';
import { backHome, uniqueTitle } from './editorHelpers';

test('[history-1] compare an older version with the current one, restore it: the other agent sees it live', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  const title = uniqueTitle('Horaires de la piscine');
  await createPage(alice, title);
  await editor(alice.page).click();
  await alice.page.keyboard.type('Ouverte de 9 h à 19 h.');
  await backHome(alice); // end of an editing session: snapshot

  await openPage(alice, title);
  await editor(alice.page).click();
  await alice.page.keyboard.press('Control+a');
  await alice.page.keyboard.type('Fermée pour travaux.');
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toHaveText('Fermée pour travaux.');

  const history = alice.page.getByRole('region', { name: 'Historique des versions' });
  await history.getByRole('button', { name: 'Historique des versions' }).click();
  // The server's copy of the session's snapshot: the list shows this computer's first, then puts
  // the server's above it when they arrive — a `.first()` taken before that moved to another item.
  const older = history
    .getByRole('listitem')
    .filter({ hasText: 'Fin d’une session d’édition' })
    .filter({ hasText: 'Enregistrée sur le serveur' })
    .first();
  await older.getByRole('button', { name: /^Comparer la version du/ }).click();
  await expect(older.locator('del')).toContainText('Ouverte de 9 h à 19 h.');
  await expect(older.locator('ins')).toContainText('Fermée pour travaux.');

  await older.getByRole('button', { name: /^Restaurer la version du/ }).click();
  await expect(editor(alice.page)).toHaveText('Ouverte de 9 h à 19 h.');
  await expect(editor(bruno.page)).toHaveText('Ouverte de 9 h à 19 h.');
  await expect(history).toContainText('restaurée. Les autres agents la voient déjà');
  await expect(status(alice.page)).toHaveText(STATUS.saved);
  // The version replaced by the restore is itself kept.
  await expect(history.getByRole('listitem').filter({ hasText: 'Avant une restauration' })).toHaveCount(1);
});

test('[history-2] the history is shared by the server: on another computer, B sees the publication snapshot, restores it, A sees it live', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', role: 'referent' });
  const title = uniqueTitle('Tarifs de la médiathèque');
  await createPage(alice, title);
  await editor(alice.page).click();
  await alice.page.keyboard.type('Gratuit pour les moins de 18 ans.');
  await expect(status(alice.page)).toHaveText(STATUS.saved);
  await alice.page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(alice.page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  // A keeps writing after the publication.
  await editor(alice.page).click();
  await alice.page.keyboard.press('Control+a');
  await alice.page.keyboard.type('Tarifs en cours de révision.');
  await expect(status(alice.page)).toHaveText(STATUS.saved);

  // B: another computer (fresh browser context, empty IndexedDB).
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toHaveText('Tarifs en cours de révision.');
  const history = bruno.page.getByRole('region', { name: 'Historique des versions' });
  await history.getByRole('button', { name: 'Historique des versions' }).click();
  const published = history
    .getByRole('listitem')
    .filter({ hasText: 'Publication du site' })
    .filter({ hasText: 'Enregistrée sur le serveur, visible par toute la commune' });
  await expect(published).toHaveCount(1);
  await expect(published).toContainText('(Alice Martin)');
  // B's own snapshot of this opening exists only on B's computer, and says so.
  await expect(
    history.getByRole('listitem').filter({ hasText: 'Ouverture de la page' }).first(),
  ).toContainText('Sur cet ordinateur seulement');

  await published
    .getByRole('button', { name: /^Comparer la version du .* enregistrée sur le serveur/ })
    .click();
  await expect(published.locator('del')).toContainText('Gratuit pour les moins de 18 ans.');
  await expect(published.locator('ins')).toContainText('Tarifs en cours de révision.');
  await published
    .getByRole('button', { name: /^Restaurer la version du .* enregistrée sur le serveur/ })
    .click();
  await expect(editor(bruno.page)).toHaveText('Gratuit pour les moins de 18 ans.');
  await expect(editor(alice.page)).toHaveText('Gratuit pour les moins de 18 ans.');
  await expect(history).toContainText('restaurée. Les autres agents la voient déjà');
});

test('[history-3] offline, the history lists this computer’s versions only and says so in French', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const title = uniqueTitle('Ramassage des encombrants');
  await createPage(alice, title);
  await editor(alice.page).click();
  await alice.page.keyboard.type('Le premier lundi du mois.');
  await expect(status(alice.page)).toHaveText(STATUS.saved);
  alice.link!.goOffline();
  await expect(status(alice.page)).toHaveText(STATUS.offline);
  const history = alice.page.getByRole('region', { name: 'Historique des versions' });
  await history.getByRole('button', { name: 'Historique des versions' }).click();
  await expect(history).toContainText(
    'Serveur injoignable : seules les versions enregistrées sur cet ordinateur sont affichées.',
  );
  const opening = history.getByRole('listitem').filter({ hasText: 'Ouverture de la page' });
  await expect(opening).toHaveCount(1);
  await expect(opening).toContainText('Sur cet ordinateur seulement');
});
