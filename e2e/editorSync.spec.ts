// Issue 5 journey — background sync: after the first sync, every page of the site is on this
// computer, with progress shown; a page never opened here reads offline after a reload.
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';
import { backHome, uniqueTitle } from './editorHelpers';

test('[sync-1] the whole site is copied in the background; a page never opened here reads offline', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const titles = [uniqueTitle('Cimetière'), uniqueTitle('Bibliothèque'), uniqueTitle('Salle des fêtes')];
  for (const title of titles) {
    await createPage(alice, title);
    await editor(alice.page).click();
    await alice.page.keyboard.type(`Texte de la page ${title}.`);
    await backHome(alice);
  }
  await expect(status(alice.page)).toHaveText(STATUS.saved);

  const bruno = await openAgent({ displayName: 'Bruno Roux', viaLink: true });
  await expect(
    bruno.page.getByText(/Tout le site est disponible sur cet ordinateur, même hors connexion/),
  ).toBeVisible({
    timeout: 30_000,
  });

  bruno.link!.goOffline();
  await bruno.page.reload();
  await expect(status(bruno.page)).toHaveText(STATUS.offline);
  for (const title of titles) {
    await openPage(bruno, title);
    await expect(editor(bruno.page)).toHaveText(`Texte de la page ${title}.`);
    await backHome(bruno);
  }
});
