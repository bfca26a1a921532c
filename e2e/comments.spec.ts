// Issue 10 parts 7–8: a relecteur's comment resolved by an agent. The relecteur reads the page
// under a calm read-only banner, selects a passage and comments it; the agent sees it live,
// highlighted, answers and resolves it; a comment written offline is sent once back online.
// axe-core finds nothing on the comments panel; screenshots at 1366×768 and 1024×768.
import type { Browser, Page } from '@playwright/test';
import type { RunningServer } from '../sync-server/app/server';
import { axeViolations, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, STATUS, status, test } from './harness';
import { NetworkLink } from './NetworkLink';

/** A relecteur logged in through the login screen, behind a link the test can cut. */
async function openReviewer(browser: Browser, server: RunningServer, displayName: string) {
  const email = `relecteur.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Relire-sans-modifier-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({ commune: '13001', email, password, role: 'relecteur', displayName });
  const link = await NetworkLink.open(server.port);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`[${displayName}] page error: ${error.message}`));
  await page.goto(`${link.url}/app/`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('navigation', { name: 'Navigation de l’éditeur' })).toBeVisible();
  return { page, context, link };
}

const pageText = editor;
const commentsPanel = (page: Page) => page.getByRole('region', { name: /^Commentaires/ });

/** Selects `passage` in the page's text, as a mouse drag over it would. */
async function selectPassage(page: Page, passage: string): Promise<void> {
  await pageText(page).evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = (node as Text).data.indexOf(wanted);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + wanted.length);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
      return;
    }
    throw new Error(`passage not found: ${wanted}`);
  }, passage);
}

test('[com-1] a relecteur comments a passage; the agent sees it live, answers and resolves it; a comment written offline is sent later', async ({
  openAgent,
  browser,
  server,
}) => {
  test.setTimeout(120_000);
  const agent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const title = uniqueTitle('Marché du dimanche');
  await createPage(agent, title);
  await editor(agent.page).click();
  await agent.page.keyboard.type('Le marché a lieu place de la mairie, de 8 h à 13 h.');
  await expect(status(agent.page)).toHaveText(STATUS.saved);

  const reviewer = await openReviewer(browser, server, 'Élise Conseillère');
  const rp = reviewer.page;
  await rp
    .getByRole('navigation', { name: 'Navigation de l’éditeur' })
    .getByRole('link', { name: 'Pages', exact: true })
    .click();
  await rp.getByRole('navigation', { name: 'Pages du site' }).getByText(title, { exact: true }).click();
  await expect(pageText(rp)).toContainText('place de la mairie');

  // A calm banner says what a relecteur can do; nothing promises that typing is saved.
  await expect(rp.getByRole('note', { name: 'Mode relecture' })).toContainText(
    'Vous pouvez la lire et la commenter, pas la modifier',
  );
  await expect(rp.getByText('Chaque saisie est enregistrée aussitôt', { exact: false })).toHaveCount(0);
  await expect(editor(rp)).not.toBeEditable();

  // The relecteur selects a passage and comments it.
  await selectPassage(rp, 'place de la mairie');
  const panel = commentsPanel(rp);
  await expect(panel.getByText('Passage sélectionné', { exact: false })).toContainText('place de la mairie');
  await panel.getByRole('button', { name: 'Commenter le passage' }).click();
  await expect(panel.getByText('Écrivez votre commentaire avant de l’envoyer.')).toBeVisible();
  await expect(panel.getByLabel('Votre commentaire')).toBeFocused();
  await panel.getByLabel('Votre commentaire').fill('Le parking sera-t-il fermé ce jour-là ?');
  await panel.getByRole('button', { name: 'Commenter le passage' }).click();
  await expect(panel.getByRole('article', { name: /Commentaire de Élise Conseillère/ })).toContainText(
    'Le parking sera-t-il fermé ce jour-là ?',
  );
  expect(await axeViolations(rp), 'comments panel of a relecteur').toEqual([]);

  // The agent sees it live, its passage highlighted in the text.
  const agentPanel = commentsPanel(agent.page);
  const comment = agentPanel.getByRole('article', { name: /Commentaire de Élise Conseillère/ });
  await expect(comment).toContainText('Le parking sera-t-il fermé ce jour-là ?');
  await expect(comment).toContainText('place de la mairie');
  await expect.poll(() => agent.page.evaluate(() => CSS.highlights.get('usine-comment')?.size ?? 0)).toBe(1);
  await expect
    .poll(() =>
      agent.page.evaluate(() => CSS.highlights.get('usine-comment')?.values().next().value?.toString()),
    )
    .toBe('place de la mairie');
  // « Voir le passage » marks it more strongly.
  await comment.getByRole('button', { name: 'Voir le passage' }).click();
  await expect
    .poll(() => agent.page.evaluate(() => CSS.highlights.get('usine-comment-active')?.size ?? 0))
    .toBe(1);
  await agent.page.screenshot({ path: test.info().outputPath('commentaires-agent-passage.png') });
  // The agent answers, then resolves.
  await comment.getByRole('button', { name: 'Répondre' }).click();
  await comment.getByLabel('Votre réponse').fill('Oui, de 7 h à 14 h : je l’ajoute.');
  expect(await axeViolations(agent.page), 'comments panel of an agent, answering').toEqual([]);
  await comment.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await expect(comment).toContainText('Oui, de 7 h à 14 h : je l’ajoute.');
  await comment.getByRole('button', { name: 'Marquer comme résolu' }).click();
  await expect(agentPanel.getByRole('article', { name: /Commentaire de Élise Conseillère/ })).toBeHidden();
  // The relecteur sees the answer and the resolution live; a relecteur cannot resolve.
  await expect(panel.getByText('Commentaires résolus (1)')).toBeVisible();
  await panel.getByText('Commentaires résolus (1)').click();
  const resolved = panel.getByRole('article', { name: /Commentaire de Élise Conseillère/ });
  await expect(resolved).toContainText('Oui, de 7 h à 14 h : je l’ajoute.');
  await expect(resolved).toContainText('Résolu par Chantal Référente');
  await expect(panel.getByRole('button', { name: /résolu|Rouvrir/ })).toHaveCount(0);

  // Offline: the relecteur's comment stays on their computer, then reaches the agent.
  await reviewer.context.setOffline(true);
  reviewer.link.goOffline();
  await expect(status(rp)).toHaveText(STATUS.offline, { timeout: 5_000 });
  await panel.getByLabel('Votre commentaire').fill('Merci, c’est parfait.');
  await panel.getByRole('button', { name: 'Commenter la page' }).click();
  await expect(
    panel
      .getByRole('list', { name: 'Commentaires en attente' })
      .getByRole('article', { name: /Élise Conseillère/ }),
  ).toContainText('Merci, c’est parfait.');
  await agent.page.waitForTimeout(1_000);
  await expect(agentPanel.getByText('Merci, c’est parfait.')).toHaveCount(0);
  reviewer.link.goOnline();
  await reviewer.context.setOffline(false);
  await expect(
    agentPanel
      .getByRole('list', { name: 'Commentaires en attente' })
      .getByRole('article', { name: /Élise Conseillère/ }),
  ).toContainText('Merci, c’est parfait.', { timeout: 20_000 });
  await expect(status(rp)).toHaveText(STATUS.saved, { timeout: 20_000 });

  // At 1024 px the page's details are a drawer: the banner's button opens it on the comments.
  await rp.setViewportSize({ width: 1024, height: 768 });
  await expect(panel).toBeHidden();
  await rp.getByRole('button', { name: 'Ouvrir les commentaires' }).click();
  await expect(panel.getByLabel('Votre commentaire')).toBeVisible();
  expect(await axeViolations(rp), 'comments in the drawer at 1024 px').toEqual([]);

  // Screens: the relecteur's page with its comments, and the agent's, at both sizes.
  for (const [width, height] of [
    [1366, 768],
    [1024, 768],
  ] as const) {
    for (const [who, page] of [
      ['relecteur', rp],
      ['agent', agent.page],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: test.info().outputPath(`commentaires-${who}-${width}.png`) });
    }
  }
  await reviewer.context.close();
  await reviewer.link.close();
});
