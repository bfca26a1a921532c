// Issue 5 journey — an actualité written offline, then published online; at each step the
// status says what is true: on this computer (with the number of changes waiting), on the
// Métropole's server only after its persisted-ack, then published.
import { editor, expect, STATUS, status, test } from './harness';
import { createTypedPage, pageStatus, uniqueTitle } from './editorHelpers';

test('[status-1] an actualité written offline, sent when back online (only after the ack), then published', async ({
  openAgent,
  gate,
}) => {
  const chantal = await openAgent({ displayName: 'Chantal Référente', role: 'referent', viaLink: true });
  const { page } = chantal;
  const title = uniqueTitle('Fête de la musique');

  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(
    page
      .getByText('Aussi en ligne sur le site', { exact: false })
      .or(page.getByText('Aucun autre agent en ligne sur le site.')),
  ).toBeVisible();

  // The 3G key drops: banner, status, and the work continues on this computer.
  chantal.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await expect(
    page.getByText('Vous travaillez sans connexion au serveur de la Métropole.', { exact: false }),
  ).toBeVisible();

  await createTypedPage(chantal, title, { type: 'Actualité' });
  await page.getByLabel('Date de l’actualité *').fill('2026-06-21');
  await page.getByLabel('Résumé *').fill('Concerts gratuits toute la soirée.');
  await editor(page).click();
  await page.keyboard.type('Concerts sur la place du village.');
  await page.getByRole('checkbox', { name: 'Publiée' }).check();
  await expect(pageStatus(page)).toContainText(
    /Cette page est enregistrée sur cet ordinateur — \d+ modifications? en attente d’envoi\./,
  );
  await expect(page.locator('.sync-pending')).toHaveText(/^\d+ modifications? en attente d’envoi$/);
  await expect(pageStatus(page)).toContainText(
    'Marquée « Publiée » : elle sera en ligne à la prochaine publication du site.',
  );
  await expect(status(page)).toHaveText(STATUS.offline);

  // Back online, the server holds its commits: nothing may claim « enregistré sur le serveur ».
  gate.hold();
  try {
    chantal.link!.goOnline();
    await expect(status(page)).toHaveText(STATUS.syncing, { timeout: 20_000 });
    await expect(page.getByText('Vous travaillez sans connexion', { exact: false })).toHaveCount(0);
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(250);
      await expect(status(page)).not.toHaveText(STATUS.saved, { timeout: 100 });
      await expect(pageStatus(page)).not.toContainText('serveur de la Métropole', { timeout: 100 });
    }
  } finally {
    gate.release();
  }
  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur et sur le serveur de la Métropole.',
  );
  await expect(page.locator('.sync-pending')).toHaveCount(0);

  // Publication: « publié le … » on the page.
  await page.getByRole('button', { name: 'Publier' }).click();
  await expect(page.getByText('Site publié', { exact: true })).toBeVisible();
  await expect(pageStatus(page)).toContainText(/Publiée le \d{1,2} \S+ \d{4}/);

  // The list of actualités shows it, published.
  await page.getByRole('button', { name: 'Retour aux pages' }).click();
  const lists = page.getByRole('region', { name: 'Actualités, événements et actes' });
  await lists.getByLabel('État').selectOption({ label: 'Publiés' });
  await expect(lists.getByRole('row').filter({ hasText: title })).toContainText('Publié');
  await expect(page.getByRole('region', { name: 'Tableau de bord' })).toContainText(
    /Dernière publication le/,
  );
});
