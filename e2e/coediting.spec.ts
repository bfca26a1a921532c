// Journey a (issue 2): two agents of the same commune edit one page at once.
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';

test('[a] B sees A typing live, A sees B’s edit, and A sees B’s name at B’s cursor', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });

  await createPage(alice, 'Fête du village');
  await editor(alice.page).click();
  await alice.page.keyboard.type('Bonjour de la part de la mairie.');

  await openPage(bruno, 'Fête du village');
  await expect(editor(bruno.page)).toContainText('Bonjour de la part de la mairie.');

  // Live: A keeps typing while B watches. B, who only reads, stays « Enregistré » throughout:
  // what the server relays to B is A's edit, acknowledged to A ([SYNC-7]). B's status is read at
  // every change of B's page (each relayed keystroke repaints B's editor).
  await expect(status(bruno.page)).toHaveText(STATUS.saved);
  const shown = await bruno.page.evaluateHandle(() => {
    const texts = new Set<string>();
    const read = () =>
      texts.add(document.querySelector('[aria-label="État de l’enregistrement"]')?.textContent ?? '');
    new MutationObserver(read).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    return texts;
  });
  await alice.page.keyboard.type(' Rendez-vous samedi.');
  await expect(editor(bruno.page)).toContainText('Bonjour de la part de la mairie. Rendez-vous samedi.');
  expect(await shown.evaluate((texts) => [...texts])).toEqual(['Enregistré']);

  // B writes a new paragraph; it appears at A's.
  await editor(bruno.page).click();
  await bruno.page.keyboard.press('Control+End');
  await bruno.page.keyboard.press('Enter');
  await bruno.page.keyboard.type('Buvette tenue par le comité des fêtes.');
  await expect(editor(alice.page)).toContainText('Buvette tenue par le comité des fêtes.');

  // A sees B's cursor labelled with B's server-verified name.
  await expect(alice.page.getByText('Bruno Roux', { exact: true })).toBeVisible();
  await expect(bruno.page.getByText('Alice Martin', { exact: true })).toBeVisible();
});
