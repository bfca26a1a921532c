// Issue 5 journey — an actualité written offline, then published online; at each step the
// status says what is true: on this computer (with the number of changes waiting), on the
// Métropole's server only after its persisted-ack, then published.
import { editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import {
  axeViolations,
  backHome,
  chooseOption,
  createTypedPage,
  fillDateField,
  pageStatus,
  treeItem,
  uniqueTitle,
} from './editorHelpers';

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
  await fillDateField(page, 'Date de l’actualité *', '2026-06-21');
  await page.getByLabel('Résumé *').fill('Concerts gratuits toute la soirée.');
  await editor(page).click();
  await page.keyboard.type('Concerts sur la place du village.');
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur — modifications pas encore envoyées.',
  );
  await expect(status(page)).toHaveText('Hors ligne — 1 page modifiée pas encore envoyée');
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

  // Publication: « En ligne », put online on the date shown.
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  await expect(page.locator('.page-state .badge')).toHaveText('En ligne');
  await expect(page.locator('.page-state')).toContainText(/Mise en ligne le \d{1,2} \S+ \d{4}/);

  // The list of actualités shows it, published.
  await goTo(page, 'Actualités');
  const lists = page.getByRole('region', { name: 'Actualités, événements et actes' });
  await chooseOption(lists, 'État', 'Publiés');
  await expect(lists.getByRole('row').filter({ hasText: title })).toContainText('En ligne');
  await goTo(page, 'Tableau de bord');
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

  // Offline, three modifications: two key presses on « Horaires », one on « Marché »
  // (one modification = one change saved on this computer, here one typed character).
  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await openPage(alice, horaires);
  await editor(page).click();
  await page.keyboard.press('A');
  await expect(pageStatus(page)).toContainText('modifications pas encore envoyées');
  await page.keyboard.press('B');
  await expect(status(page)).toHaveText('Hors ligne — 1 page modifiée pas encore envoyée');
  await backHome(alice);
  await openPage(alice, marche);
  await editor(page).click();
  await page.keyboard.press('C');
  await expect(pageStatus(page)).toContainText('modifications pas encore envoyées');
  // Counted as an agent counts: two pages, not three keystrokes.
  await expect(status(page)).toHaveText('Hors ligne — 2 pages modifiées pas encore envoyées');

  // The PC is restarted without network: the numbers are still the truth.
  await page.reload();
  await expect(status(page)).toHaveText('Hors ligne — 2 pages modifiées pas encore envoyées');
  await backHome(alice);
  await expect(treeItem(page, horaires).locator('> .tree-row .tree-unsent')).toHaveText(
    'Modifiée, pas encore envoyée',
  );
  await expect(treeItem(page, marche).locator('> .tree-row .tree-unsent')).toHaveText(
    'Modifiée, pas encore envoyée',
  );
  // The offline banner sits in a live region (announced when it appears); no axe violation.
  await expect(page.locator('[aria-live="polite"] .offline-banner')).toContainText(
    'Vous travaillez sans connexion au serveur de la Métropole.',
  );
  expect(await axeViolations(page)).toEqual([]);
  await openPage(alice, horaires);
  await expect(editor(page)).toContainText('AB');
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur — modifications pas encore envoyées.',
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
      await expect(page.locator('.tree-unsent')).toHaveCount(2, { timeout: 100 });
    }
  } finally {
    gate.release();
  }
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  await expect(page.locator('.tree-unsent')).toHaveCount(0);

  // And it stays true after one more reload.
  await page.reload();
  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(page.locator('.tree-unsent')).toHaveCount(0);
});

/**
 * The disk is nearly full. Filling a real disk in a test is neither safe nor repeatable, so the
 * browser's own report is simulated: `navigator.storage.estimate()` says 950 Mo used of 1000 Mo,
 * and the browser refuses persistent storage (`persist()` answers false, as Chromium does for a
 * site it does not consider important). Everything else is real.
 */
const NEARLY_FULL = () => {
  const MB = 1024 * 1024;
  const calls: string[] = [];
  (window as unknown as { persistCalls: string[] }).persistCalls = calls;
  navigator.storage.estimate = async () => ({ usage: 950 * MB, quota: 1000 * MB });
  navigator.storage.persisted = async () => false;
  navigator.storage.persist = async () => {
    calls.push('persist');
    return false;
  };
};

test('[status-3] storage nearly full: a clear French warning, the refused protection said honestly, and the edit still saved and synced', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  const { page } = alice;
  await alice.context.addInitScript(NEARLY_FULL);
  await page.reload();

  const warning = page.getByRole('alert').filter({ hasText: 'presque plein' });
  await expect(warning).toContainText(
    'L’espace de stockage de cet ordinateur est presque plein : il reste 50 Mo sur 1000 Mo. Vos modifications sont conservées et rien n’est effacé.',
  );
  await expect(warning).toContainText('libérez de l’espace sur le disque');
  await expect(warning).toContainText('ce navigateur garde la copie du site sans garantie');
  await expect(page.getByRole('region', { name: 'Tableau de bord' })).toContainText(
    'ce navigateur garde la copie du site sans garantie',
  );
  expect(
    await page.evaluate(() => (window as unknown as { persistCalls: string[] }).persistCalls.length),
  ).toBeGreaterThan(0);

  const title = uniqueTitle('Collecte des encombrants');
  await createTypedPage(alice, title);
  await editor(page).click();
  await page.keyboard.type('Le premier mardi du mois.');
  await expect(status(page)).toHaveText(STATUS.saved);
  await expect(pageStatus(page)).toContainText(
    'Cette page est enregistrée sur cet ordinateur et sur le serveur de la Métropole.',
  );
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toContainText('Le premier mardi du mois.');
});

/**
 * The disk is full: IndexedDB refuses to store the body's changes. Simulated in the real
 * Chromium IndexedDB by making `add` on y-dexie's updates store throw the browser's
 * QuotaExceededError while `window.diskFull` is true (a reload resets it: space freed).
 */
const DISK_FULL_SWITCH = () => {
  const add = IDBObjectStore.prototype.add;
  IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
    if ((window as unknown as { diskFull?: boolean }).diskFull && this.name === '$docs.body_updates')
      throw new DOMException('Quota dépassé (simulé)', 'QuotaExceededError');
    return add.apply(this, args);
  };
};

test('[status-4] a change the full disk refused is kept, explained in French, sent to the server and found again after a reload', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  const { page } = alice;
  await alice.context.addInitScript(DISK_FULL_SWITCH);
  await page.reload();
  const title = uniqueTitle('Travaux rue Victor Hugo');
  await createTypedPage(alice, title);
  await expect(status(page)).toHaveText(STATUS.saved);

  // Offline, and the disk is full: the agent keeps typing.
  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await page.evaluate(() => ((window as unknown as { diskFull: boolean }).diskFull = true));
  await editor(page).click();
  await page.keyboard.type('Route barrée lundi.');
  const failure = page.getByRole('alert').filter({ hasText: 'plus de place' });
  await expect(failure).toContainText(
    'Cet ordinateur n’a plus de place pour enregistrer vos dernières modifications.',
  );
  await expect(failure).toContainText(
    'Elles ne sont pas perdues : elles sont gardées en réserve sur cet ordinateur et envoyées au serveur de la Métropole dès que la connexion le permet.',
  );
  await expect(failure).toContainText(
    'Connectez-vous au réseau et gardez l’application ouverte jusqu’à ce que l’état indique « Enregistré »',
  );

  // The window is reloaded offline (space freed meanwhile): the change comes back from the journal.
  await page.reload();
  await openPage(alice, title);
  await expect(editor(page)).toContainText('Route barrée lundi.');
  await expect(status(page)).toHaveText(STATUS.offline);

  // Disk full again, back online: the new change reaches the server and the message says so.
  await page.evaluate(() => ((window as unknown as { diskFull: boolean }).diskFull = true));
  await editor(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Déviation par le cours.');
  await expect(failure).toBeVisible();
  alice.link!.goOnline();
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 20_000 });
  await expect(failure).toContainText('Elles sont maintenant enregistrées sur le serveur de la Métropole.');
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toContainText('Route barrée lundi. Déviation par le cours.');

  // Space is freed with the window still open: the refused writes are retried (every 15 s).
  await page.evaluate(() => ((window as unknown as { diskFull: boolean }).diskFull = false));
  await expect(page.getByRole('status').filter({ hasText: 'De la place s’est libérée' })).toHaveText(
    'De la place s’est libérée : vos modifications sont de nouveau enregistrées sur cet ordinateur.',
    { timeout: 20_000 },
  );
  await expect(failure).toHaveCount(0);
  // Offline again and reloaded: the page comes back whole from this computer.
  alice.link!.goOffline();
  await page.reload();
  await openPage(alice, title);
  await expect(editor(page)).toContainText('Route barrée lundi. Déviation par le cours.');
});

test('[status-5] each page of the tree says « Brouillon », « En ligne », then « En ligne — modifiée depuis » after an edit', async ({
  openAgent,
}) => {
  const chantal = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = chantal;
  const title = uniqueTitle('Conseil municipal');
  await createTypedPage(chantal, title);
  await editor(page).click();
  await page.keyboard.type('Séance publique jeudi.');
  await expect(status(page)).toHaveText(STATUS.saved);
  await backHome(chantal);
  const badge = treeItem(page, title).locator('> .tree-row .badge');
  await expect(badge).toHaveText('Brouillon');

  await openPage(chantal, title);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  await backHome(chantal);
  await expect(badge).toHaveText('En ligne');

  // The body is edited after the publication: the page and the tree say so at once.
  await openPage(chantal, title);
  await editor(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Ordre du jour en mairie.');
  await expect(page.locator('.page-state .badge')).toHaveText('En ligne — modifiée depuis');
  await backHome(chantal);
  await expect(badge).toHaveText('En ligne — modifiée depuis');

  // « Publier les modifications »: up to date.
  await expect(status(page)).toHaveText(STATUS.saved);
  await goTo(page, 'Publication');
  await page.getByRole('button', { name: 'Publier les modifications' }).click();
  await page
    .getByRole('dialog', { name: 'Publier les modifications' })
    .getByRole('button', { name: 'Publier', exact: true })
    .click();
  await expect(page.getByText(/^Site publié : /)).toBeVisible();
  await backHome(chantal);
  await expect(badge).toHaveText('En ligne');
});

test('[status-6] a page edited offline then deleted: its edits are still sent, and the status ends on « Enregistré »', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const { page } = alice;
  const title = uniqueTitle('Brouillon à jeter');
  await createTypedPage(alice, title);
  await backHome(alice);
  await expect(status(page)).toHaveText(STATUS.saved);

  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await openPage(alice, title);
  await editor(page).click();
  await page.keyboard.press('X');
  await expect(pageStatus(page)).toContainText('modifications pas encore envoyées');
  await backHome(alice);
  await page.getByRole('button', { name: `Supprimer « ${title} »` }).click();
  await page.getByRole('button', { name: 'Oui, supprimer' }).click();
  await expect(treeItem(page, title)).toHaveCount(0);
  // The edit of the deleted page's body still waits, as does the site's page list.
  await page.reload();
  await expect(status(page)).toHaveText('Hors ligne — 1 page modifiée pas encore envoyée');

  alice.link!.goOnline();
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
});
