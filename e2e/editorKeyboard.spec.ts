// Issue 10 part 8 — keyboard only: an agent logs in, reaches a page from the side navigation,
// types text, opens « Détails de la page » and puts the page online with « Mettre en ligne »,
// with Tab / Shift+Tab / Enter and typing only (no click). Every control the focus reaches
// shows a visible focus ring; the served public HTML has the text at the end.
import type { Locator, Page } from '@playwright/test';
import { slugOf, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, STATUS, status, test } from './harness';

/** A commune no other journey writes to: its tree holds only this journey's page. */
const COMMUNE = '13015';

/**
 * The focused element, and whether a focus indicator is drawn on it or on the nearest of its
 * ancestors that draws it for its contents (`:focus-within`, e.g. the writing area's frame).
 */
async function focusedControl(page: Page): Promise<{ name: string; visible: boolean } | null> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    if (!active || active === document.body) return null;
    const name = (
      active.getAttribute('aria-label') ??
      (active.textContent?.trim() || null) ??
      active.getAttribute('name') ??
      `${active.tagName.toLowerCase()}#${active.id}`
    ).slice(0, 60);
    const drawn = (el: Element) => {
      const style = getComputedStyle(el);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      return outline || style.boxShadow !== 'none';
    };
    let visible = false;
    for (let el: Element | null = active, depth = 0; el && depth < 4; el = el.parentElement, depth++) {
      if (drawn(el)) {
        visible = true;
        break;
      }
    }
    return { name, visible };
  });
}

/**
 * Presses `key` (Tab or Shift+Tab) until `target` has the focus, at most `max` times; every
 * control reached on the way must show its focus. Returns the names of the controls reached.
 */
async function keyTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab', max = 80): Promise<string[]> {
  await expect(target).toBeVisible();
  const reached: string[] = [];
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return reached;
    await page.keyboard.press(key);
    const focused = await focusedControl(page);
    if (!focused) continue;
    reached.push(focused.name);
    expect(focused.visible, `no visible focus on « ${focused.name} »`).toBe(true);
  }
  await expect(target, `not reached with ${key} after ${max} presses: ${reached.join(' → ')}`).toBeFocused();
  return reached;
}

test('[a11y-4] keyboard only: log in, open a page from the side navigation, write, « Mettre en ligne »; the public site has the text', async ({
  openAgent,
  browser,
  server,
}) => {
  test.setTimeout(180_000); // a long journey on a loaded machine; the bound only guards hangs
  // A colleague created the page (set-up, not part of the journey).
  const title = uniqueTitle('Inscriptions scolaires');
  const colleague = await openAgent({ displayName: 'Bruno Roux', commune: COMMUNE });
  await createPage(colleague, title);
  await expect(status(colleague.page)).toHaveText(STATUS.saved);
  await colleague.context.close();

  const email = `clavier.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Motdepasse-clavier-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({
    commune: COMMUNE,
    email,
    password,
    role: 'referent',
    displayName: 'Claire Clavier',
  });
  // 1024 px: the page's details are a drawer opened by « Détails de la page ».
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.log(`[clavier] page error: ${error.message}`));
    await page.goto(`${server.url}/app/`);

    // Log in.
    await keyTo(page, page.getByLabel('Adresse e-mail'), 'Tab');
    await page.keyboard.type(email);
    await keyTo(page, page.getByLabel('Mot de passe'), 'Tab');
    await page.keyboard.type(password);
    await keyTo(page, page.getByRole('button', { name: 'Se connecter' }), 'Tab');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();

    // The side navigation's « Pages », then the page in the tree.
    const pagesLink = page
      .getByRole('navigation', { name: 'Navigation de l’éditeur' })
      .getByRole('link', { name: 'Pages', exact: true });
    await keyTo(page, pagesLink, 'Tab');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Pages' })).toBeVisible();
    const row = page
      .getByRole('navigation', { name: 'Pages du site' })
      .locator(`.page-link:has(.page-title:text-is(${JSON.stringify(title)}))`);
    await keyTo(page, row, 'Tab');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeFocused();

    // Write.
    await keyTo(page, editor(page), 'Tab');
    const text = 'Les inscriptions se font en mairie jusqu’au 30 juin.';
    await page.keyboard.type(text);
    await expect(editor(page)).toContainText(text);
    await expect(status(page)).toHaveText(STATUS.saved);

    // « Détails de la page », then « Mettre en ligne ».
    const toggle = page.getByRole('button', { name: 'Détails de la page' });
    await keyTo(page, toggle, 'Shift+Tab');
    await page.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = page.getByRole('complementary', { name: 'Détails de la page' });
    await expect(panel.getByRole('button', { name: 'Fermer les détails' })).toBeFocused();
    await keyTo(page, panel.getByRole('button', { name: 'Mettre en ligne' }), 'Tab');
    await page.keyboard.press('Enter');
    await expect(panel.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();

    // The served public page has the text typed.
    const site = await panel.getByRole('link', { name: 'Voir le site publié' }).getAttribute('href');
    const response = await fetch(new URL(`${slugOf(title)}/`, new URL(site!, server.url)));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(text);
    expect(html).toContain(title);
  } finally {
    await context.close();
  }
});
