// Issue 5 journey — an actualité written offline, then published online; at each step the
// status says what is true: on this computer (with the number of changes waiting), on the
// Métropole's server only after its persisted-ack, then published.
import { editor, expect, openPage, STATUS, status, test } from './harness';
import { backHome, createTypedPage, pageStatus, treeItem, uniqueTitle } from './editorHelpers';

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

test('[status-2] the count of changes waiting to be sent survives an offline reload, per page and for the site', async ({
  openAgent,
  gate,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const { page } = alice;
  const horaires = uniqueTitle('Horaires');
  const marche = uniqueTitle('Marché');
  await createTypedPage(alice, horaires);
  await backHome(alice);
  await createTypedPage(alice, marche);
  await backHome(alice);
  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(page.locator('.sync-pending')).toHaveCount(0);

  // Offline, three modifications: two key presses on « Horaires », one on « Marché »
  // (one modification = one change saved on this computer, here one typed character).
  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await openPage(alice, horaires);
  await editor(page).click();
  await page.keyboard.press('A');
  await expect(pageStatus(page)).toContainText('1 modification en attente d’envoi');
  await page.keyboard.press('B');
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur — 2 modifications en attente d’envoi.',
  );
  await backHome(alice);
  await openPage(alice, marche);
  await editor(page).click();
  await page.keyboard.press('C');
  await expect(pageStatus(page)).toContainText('1 modification en attente d’envoi');
  await expect(page.locator('.sync-pending')).toHaveText('3 modifications en attente d’envoi');

  // The PC is restarted without network: the numbers are still the truth.
  await page.reload();
  await expect(status(page)).toHaveText(STATUS.offline);
  await expect(page.locator('.sync-pending')).toHaveText('3 modifications en attente d’envoi');
  await expect(treeItem(page, horaires).locator('> .tree-row .tree-unsent')).toHaveText(
    '2 modifications en attente d’envoi',
  );
  await expect(treeItem(page, marche).locator('> .tree-row .tree-unsent')).toHaveText(
    '1 modification en attente d’envoi',
  );
  await openPage(alice, horaires);
  await expect(editor(page)).toContainText('AB');
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur — 2 modifications en attente d’envoi.',
  );
  await backHome(alice);

  // Back online while the server holds its commits: still waiting, never « enregistré ».
  gate.hold();
  try {
    alice.link!.goOnline();
    await expect(status(page)).toHaveText(STATUS.syncing, { timeout: 20_000 });
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(250);
      await expect(status(page)).not.toHaveText(STATUS.saved, { timeout: 100 });
      await expect(page.locator('.sync-pending')).toHaveText('3 modifications en attente d’envoi', {
        timeout: 100,
      });
    }
  } finally {
    gate.release();
  }
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  await expect(page.locator('.sync-pending')).toHaveCount(0);
  await expect(page.locator('.tree-unsent')).toHaveCount(0);

  // And it stays true after one more reload.
  await page.reload();
  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(page.locator('.sync-pending')).toHaveCount(0);
});
