// Issue 5 journeys — a page: toolbar and shortcuts, link URL checked, collaborative undo that
// only undoes one's own edits, live preview with the published theme, and presence
// (« X modifie cette page », who is online, who is on which page).
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import { backHome, tree, treeItem, uniqueTitle } from './editorHelpers';

test('[page-1] toolbar and shortcuts format the body; an unsafe link is refused in French; the preview uses the published theme', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  const title = uniqueTitle('Démarches');
  await createPage(alice, title);
  const body = editor(page);
  const toolbar = page.getByRole('toolbar', { name: 'Mise en forme du texte' });

  await body.click();
  await page.keyboard.type('Carte d’identité');
  await page.keyboard.press('Control+Alt+2');
  await expect(body.locator('h2')).toHaveText('Carte d’identité');
  await expect(toolbar.getByRole('button', { name: 'Titre 2' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await toolbar.getByRole('button', { name: 'Liste à puces' }).click();
  await page.keyboard.type('Prendre rendez-vous');
  await expect(body.locator('ul > li')).toHaveText(['Prendre rendez-vous']);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('Important');
  await expect(body.locator('strong, .ed-bold').filter({ hasText: 'Important' })).toBeVisible();

  // Select the word and add a link: a bad address is refused with a French message.
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Control+k');
  const address = page.getByLabel('Adresse du lien');
  await address.fill('javascript:alert(1)');
  await page.getByRole('button', { name: 'Appliquer le lien' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Adresse invalide' })).toBeVisible();
  await address.fill('www.service-public.fr');
  await page.getByRole('button', { name: 'Appliquer le lien' }).click();
  await expect(body.locator('a')).toHaveAttribute('href', 'https://www.service-public.fr');

  // Live preview: the site/ renderer's HTML and theme in a sandboxed srcdoc iframe.
  await page.getByRole('button', { name: 'Aperçu avec le thème du site' }).click();
  const preview = page.locator('iframe[title="Aperçu de la page avec le thème du site publié"]');
  await expect(preview).toHaveAttribute('sandbox', '');
  await expect
    .poll(async () => (await preview.getAttribute('srcdoc')) ?? '')
    .toContain('<h2>Carte d’identité</h2>');
  const srcdoc = (await preview.getAttribute('srcdoc'))!;
  expect(srcdoc).toContain('<html lang="fr"');
  expect(srcdoc).toContain('href="https://www.service-public.fr"');
  expect(srcdoc).toMatch(/<style>[\s\S]*--accent/);
  expect(srcdoc).not.toMatch(/<script/i);
  await page.keyboard.press('Control+End');
  await body.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' à jour');
  await expect.poll(async () => (await preview.getAttribute('srcdoc')) ?? '').toContain('à jour');
});

test('[page-2] undo only undoes my own edits; presence: « X modifie cette page », who is online and where', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  const title = uniqueTitle('Associations');
  await createPage(alice, title);

  // B, on the home screen, sees A online and on that page.
  await expect(bruno.page.getByText(/Aussi en ligne sur le site : .*Alice Martin/)).toBeVisible();
  await goTo(bruno.page, 'Pages');
  await expect(treeItem(bruno.page, title)).toContainText('(Alice Martin sur cette page)');

  await editor(alice.page).click();
  await alice.page.keyboard.type('Club de foot.');
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toContainText('Club de foot.');
  await expect(bruno.page.getByText('Alice Martin modifie cette page.')).toBeVisible();

  // B writes in a paragraph of B's own here; [page-3] is B writing inside A's own text.
  await editor(bruno.page).click();
  await bruno.page.keyboard.press('Control+End');
  await bruno.page.keyboard.press('Enter');
  await bruno.page.keyboard.type('Chorale.');
  await expect(editor(alice.page)).toContainText('Chorale.');
  await expect(alice.page.getByText('Bruno Roux modifie cette page.')).toBeVisible();

  // A's undo removes A's typing, never B's.
  await editor(alice.page).click();
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+z');
  await expect(editor(alice.page)).not.toContainText('Club de foot.');
  await expect(editor(alice.page)).toContainText('Chorale.');
  await expect(editor(bruno.page)).not.toContainText('Club de foot.');
  await expect(editor(bruno.page)).toContainText('Chorale.');
  // …and redo brings it back, through the toolbar this time.
  const redo = alice.page.getByRole('button', { name: 'Rétablir ma modification' });
  for (let i = 0; i < 10 && (await redo.isEnabled()); i++) await redo.click();
  await expect(editor(bruno.page)).toContainText('Club de foot.');

  await backHome(bruno);
  await expect(tree(bruno.page)).toBeVisible();
});

test('[page-3] my undo never hides what another agent wrote inside my text (lexical#6614): their words stay, for both and after a reload', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  const title = uniqueTitle('Sports');
  await createPage(alice, title);
  await editor(alice.page).click();
  await alice.page.keyboard.type('Club de foot.');
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toContainText('Club de foot.');
  // B types at the end of A's sentence: in the very text node A's typing created.
  await editor(bruno.page).click();
  await bruno.page.keyboard.press('Control+End');
  await bruno.page.keyboard.type(' Inscriptions ouvertes.');
  await expect(editor(alice.page)).toContainText('Club de foot. Inscriptions ouvertes.');

  await editor(alice.page).click();
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+z');
  await expect(editor(alice.page)).not.toContainText('Club de foot.');
  await expect(editor(alice.page)).toContainText('Inscriptions ouvertes.');
  await expect(editor(bruno.page)).not.toContainText('Club de foot.');
  await expect(editor(bruno.page)).toContainText('Inscriptions ouvertes.');
  await expect(status(bruno.page)).toHaveText(STATUS.saved);
  await expect(status(alice.page)).toHaveText(STATUS.saved);

  // What the server keeps is what both saw: B reloads and still has its words.
  await bruno.page.reload();
  await openPage(bruno, title);
  await expect(editor(bruno.page)).toContainText('Inscriptions ouvertes.', { timeout: 30_000 });
  await expect(editor(bruno.page)).not.toContainText('Club de foot.');
  // …and A's redo brings A's words back around them.
  const redo = alice.page.getByRole('button', { name: 'Rétablir ma modification' });
  for (let i = 0; i < 10 && (await redo.isEnabled()); i++) await redo.click();
  await expect(editor(bruno.page)).toContainText('Club de foot.');
  await expect(editor(bruno.page)).toContainText('Inscriptions ouvertes.');
});
