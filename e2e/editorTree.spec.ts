// Issue 5 journeys — the site tree: a page dragged in the tree while another agent renames
// it; moves by keyboard; delete with confirmation and undo; search by title.
import { createPage, expect, goTo, test } from './harness';
import { backHome, childrenOf, tree, treeItem, uniqueTitle } from './editorHelpers';

test('[tree-1] A drags a page under another while B renames it: both agents end with the renamed page in its new place', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  await goTo(bruno.page, 'Pages');
  const parent = uniqueTitle('Vie municipale');
  const child = uniqueTitle('Conseil');
  const renamed = uniqueTitle('Conseil municipal');

  await createPage(alice, parent);
  await backHome(alice);
  await createPage(alice, child);
  await backHome(alice);
  await expect(tree(bruno.page).getByText(child, { exact: true })).toBeVisible();

  // B starts renaming the page…
  await treeItem(bruno.page, child)
    .getByRole('button', { name: `Renommer « ${child} »` })
    .click();
  const input = bruno.page.getByLabel('Nouveau titre');
  await input.fill(renamed);

  // …while A drags it onto the other page (dropped in the middle: « inside »).
  await tree(alice.page)
    .getByText(child, { exact: true })
    .dragTo(tree(alice.page).getByText(parent, { exact: true }));
  await expect(childrenOf(alice.page, parent)).toHaveText([child]);
  await expect(alice.page.getByText(`« ${child} » déplacée sous « ${parent} ».`)).toBeVisible();
  await expect(childrenOf(bruno.page, parent)).toHaveCount(0); // B's row is the rename form

  await input.press('Enter');
  for (const agent of [alice, bruno]) {
    await expect(childrenOf(agent.page, parent)).toHaveText([renamed]);
    await expect(tree(agent.page).getByText(child, { exact: true })).toHaveCount(0);
  }
});

test('[tree-2] keyboard moves (Alt+arrows), search by title, delete with confirmation then undo', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  await goTo(bruno.page, 'Pages');
  const first = uniqueTitle('Écoles');
  const second = uniqueTitle('Cantine');
  await createPage(alice, first);
  await backHome(alice);
  await createPage(alice, second);
  await backHome(alice);

  // Alt+→ puts « Cantine » under the previous page, Alt+← brings it back, focus stays on it.
  const cantine = treeItem(alice.page, second).locator(':scope > .tree-row .page-link');
  await cantine.focus();
  await alice.page.keyboard.press('Alt+ArrowRight');
  await expect(childrenOf(alice.page, first)).toHaveText([second]);
  await expect(childrenOf(bruno.page, first)).toHaveText([second]);
  await expect(treeItem(alice.page, second).locator(':scope > .tree-row .page-link')).toBeFocused();
  await alice.page.keyboard.press('Alt+ArrowLeft');
  await expect(childrenOf(alice.page, first)).toHaveCount(0);
  await alice.page.keyboard.press('Alt+ArrowUp');
  const order = async () =>
    (await tree(alice.page).locator('.tree > li > .tree-row .page-title').allTextContents()).filter(
      (t) => t === first || t === second,
    );
  await expect.poll(order).toEqual([second, first]);

  // Search ignores accents and case.
  const search = alice.page.getByLabel('Filtrer les pages par titre');
  await search.fill(first.replace('É', 'e').toUpperCase());
  await expect(tree(alice.page).locator('.search-results .page-title')).toHaveText([first]);
  await search.fill('');

  // Delete asks first; « Non » keeps the page.
  await treeItem(alice.page, first)
    .getByRole('button', { name: `Supprimer « ${first} »` })
    .click();
  await alice.page.getByRole('button', { name: 'Non, garder la page' }).click();
  await expect(tree(alice.page).getByText(first, { exact: true })).toBeVisible();
  await treeItem(alice.page, first)
    .getByRole('button', { name: `Supprimer « ${first} »` })
    .click();
  await alice.page.getByRole('button', { name: 'Oui, supprimer' }).click();
  await expect(tree(alice.page).getByText(first, { exact: true })).toHaveCount(0);
  await expect(tree(bruno.page).getByText(first, { exact: true })).toHaveCount(0);

  // Undo brings it back, for B too.
  await alice.page.getByRole('button', { name: 'Annuler la suppression' }).click();
  await expect(tree(alice.page).getByText(first, { exact: true })).toBeVisible();
  await expect(tree(bruno.page).getByText(first, { exact: true })).toBeVisible();
});
