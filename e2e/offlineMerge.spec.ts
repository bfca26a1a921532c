// Journey c (issue 2): two agents edit the same paragraph offline, then reconnect: nothing lost.
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';

test('[c] concurrent offline edits of one paragraph converge to the same text with both edits', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const bruno = await openAgent({ displayName: 'Bruno Roux', viaLink: true });

  await createPage(alice, 'Marché');
  await editor(alice.page).click();
  await alice.page.keyboard.type('Le marché a lieu le samedi.');
  await openPage(bruno, 'Marché');
  await expect(editor(bruno.page)).toContainText('Le marché a lieu le samedi.');

  alice.link!.goOffline();
  bruno.link!.goOffline();
  await expect(status(alice.page)).toHaveText(STATUS.offline);
  await expect(status(bruno.page)).toHaveText(STATUS.offline);

  await editor(alice.page).click();
  await alice.page.keyboard.press('Control+End');
  await alice.page.keyboard.type(' Apportez vos paniers.');

  await editor(bruno.page).click();
  await bruno.page.keyboard.press('Control+Home');
  await bruno.page.keyboard.type('Rappel : ');

  alice.link!.goOnline();
  bruno.link!.goOnline();
  await expect(status(alice.page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  await expect(status(bruno.page)).toHaveText(STATUS.saved, { timeout: 30_000 });

  const expected = 'Rappel : Le marché a lieu le samedi. Apportez vos paniers.';
  await expect(editor(alice.page)).toHaveText(expected);
  await expect(editor(bruno.page)).toHaveText(expected);
});
