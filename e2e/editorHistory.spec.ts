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
  const older = history.getByRole('listitem').filter({ hasText: 'Fin d’une session d’édition' }).first();
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
