// Journey b (issue 2): an agent works offline, reloads offline, then reconnects; the status
// only claims « enregistré sur le serveur » once the server's persisted-ack covers the edits.
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';

test('[b] offline edits survive a reload, reach B when back online, and are “saved on the server” only after the ack', async ({
  openAgent,
  gate,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });

  await createPage(alice, 'Horaires d’été');
  await editor(alice.page).click();
  await alice.page.keyboard.type('La mairie ferme à midi en août.');
  await expect(status(alice.page)).toHaveText(STATUS.saved);
  await openPage(bruno, 'Horaires d’été');
  await expect(editor(bruno.page)).toContainText('La mairie ferme à midi en août.');

  // The 3G key drops.
  alice.link!.goOffline();
  await expect(status(alice.page)).toHaveText(STATUS.offline);
  await editor(alice.page).click();
  await alice.page.keyboard.press('Control+End');
  await alice.page.keyboard.type(' Permanence le samedi matin.');
  await expect(editor(alice.page)).toContainText('Permanence le samedi matin.');

  // Reload while still offline: the app opens from the PC with the edit.
  await alice.page.reload();
  await openPage(alice, 'Horaires d’été');
  await expect(editor(alice.page)).toContainText(
    'La mairie ferme à midi en août. Permanence le samedi matin.',
  );
  await expect(status(alice.page)).toHaveText(STATUS.offline);
  await expect(editor(bruno.page)).not.toContainText('Permanence le samedi matin.');

  // Back online, but the server has not committed yet: the status must not claim it.
  gate.hold();
  try {
    alice.link!.goOnline();
    await expect(status(alice.page)).toHaveText(STATUS.syncing, { timeout: 20_000 });
    for (let i = 0; i < 6; i++) {
      await alice.page.waitForTimeout(250);
      await expect(status(alice.page)).not.toHaveText(STATUS.saved, { timeout: 100 });
    }
  } finally {
    gate.release();
  }
  await expect(status(alice.page)).toHaveText(STATUS.saved);
  await expect(editor(bruno.page)).toContainText(
    'La mairie ferme à midi en août. Permanence le samedi matin.',
  );
});
