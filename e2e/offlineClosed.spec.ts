// An agent edits a page offline and closes the window without leaving the page: the edit must
// still reach the server at the next start, without reopening that page, and the status must
// not claim « enregistré sur le serveur » before it has.
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';

test('[b2] offline edits of a page left open when the window closed are sent at the next start', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });

  // Bruno writes a page; Alice's background sync copies it (a later page list change makes
  // her sync again and record the server's state of every page).
  await createPage(bruno, 'Travaux rue des Écoles');
  await editor(bruno.page).click();
  await bruno.page.keyboard.type('La rue est fermée lundi.');
  await expect(status(bruno.page)).toHaveText(STATUS.saved);
  await goTo(bruno.page, 'Pages');
  await createPage(bruno, 'Agenda du mois');
  await expect(alice.page.getByText(/Tout le site est disponible sur cet ordinateur/)).toBeVisible();
  await alice.page.waitForTimeout(2_000);

  await openPage(alice, 'Travaux rue des Écoles');
  await expect(editor(alice.page)).toContainText('La rue est fermée lundi.');
  alice.link!.goOffline();
  await expect(status(alice.page)).toHaveText(STATUS.offline);
  await editor(alice.page).click();
  await alice.page.keyboard.press('Control+End');
  await alice.page.keyboard.type(' Déviation par le chemin du Moulin.');
  await expect(editor(alice.page)).toContainText('Déviation par le chemin du Moulin.');
  // The window is closed on the page, still offline.
  await alice.page.close();

  // Next morning, online: the app opens on the site's home; the page is not reopened.
  alice.link!.goOnline();
  const morning = await alice.context.newPage();
  await morning.goto(`${alice.origin}/app/`);
  await expect(morning.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
  await goTo(bruno.page, 'Pages');
  await openPage(bruno, 'Travaux rue des Écoles');
  await expect(editor(bruno.page)).toContainText(
    'La rue est fermée lundi. Déviation par le chemin du Moulin.',
    {
      timeout: 30_000,
    },
  );
  await expect(status(morning)).toHaveText(STATUS.saved, { timeout: 30_000 });
});
