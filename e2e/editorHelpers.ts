/**
 * Helpers for the editor journeys of issue 5 (e2e/editor*.spec.ts), on top of harness.ts:
 * unique titles (the worker's server is shared by every spec), the tree, the home screen,
 * page creation with a type, the per-page status and an axe scan.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { type Agent, editor, expect, goTo } from './harness';

let counter = 0;

/** A title no other test of this worker uses. */
export function uniqueTitle(base: string): string {
  counter += 1;
  return `${base} ${Date.now().toString(36).slice(-4)}${counter}`;
}

export function tree(page: Page) {
  return page.getByRole('navigation', { name: 'Pages du site' });
}

/** The tree row (li) of a page, by exact title. */
export function treeItem(page: Page, title: string) {
  return tree(page).locator(`li:has(> .tree-row .page-title:text-is(${JSON.stringify(title)}))`);
}

/** The pages listed directly under `parentTitle` in the tree. */
export function childrenOf(page: Page, parentTitle: string) {
  return treeItem(page, parentTitle).locator(':scope > ul > li > .tree-row .page-title');
}

/** Back to the « Pages » screen (the site's tree) from the side navigation. */
export async function backHome(agent: Agent): Promise<void> {
  await goTo(agent.page, 'Pages');
  await expect(tree(agent.page)).toBeVisible();
}

/** Expands a collapsed section of the page's side panel (« Programmer la publication »…). */
export async function openPanelSection(page: Page, name: string): Promise<void> {
  const trigger = page
    .getByRole('complementary', { name: 'Détails de la page' })
    .getByRole('button', { name });
  if ((await trigger.getAttribute('aria-expanded')) !== 'true') await trigger.click();
}

/** Creates a page of a given type (and parent) from « Nouvelle page » and lands in its editor. */
export async function createTypedPage(
  agent: Agent,
  title: string,
  options: { type?: string; parent?: string } = {},
): Promise<void> {
  const { page } = agent;
  await page.getByRole('button', { name: 'Nouvelle page' }).click();
  await page.getByLabel('Titre de la page').fill(title);
  if (options.type) await chooseOption(page, 'Type de page', options.type);
  if (options.parent) await chooseOption(page, 'Placer sous', options.parent, false);
  await page.getByRole('button', { name: 'Créer la page' }).click();
  await expect(editor(page)).toBeVisible();
}

/**
 * A French date or time field (React Aria) by its label: the group of its segments (day, month,
 * year, hours, minutes…), each a spinbutton.
 */
export function dateField(scope: Page | Locator, label: string): Locator {
  return scope.getByRole('group', { name: label, exact: true }).first();
}

/** A stored value (AAAA-MM-JJ, HH:MM, HH:MM:SS, AAAA-MM-JJTHH:MM) as typed in French order. */
export function frenchDigits(value: string): string {
  const m = /^(?:(\d{4})-(\d{2})-(\d{2}))?T?(?:(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (!m) throw new Error(`Valeur de date ou d’heure inattendue : ${value}`);
  const [, year, month, day, hour, minute, second] = m;
  return [day, month, year, hour, minute, second].filter(Boolean).join('');
}

/** Types `value` into a French date or time field segment by segment, from its first one. */
export async function fillDateField(scope: Page | Locator, label: string, value: string): Promise<void> {
  const field = dateField(scope, label);
  await field.getByRole('spinbutton').first().click();
  await field.page().keyboard.type(frenchDigits(value));
}

/** Focus into a date or time field (its first segment), or out of it. */
export async function focusDateField(scope: Page | Locator, label: string): Promise<void> {
  await dateField(scope, label).getByRole('spinbutton').first().focus();
}

export async function blurDateField(scope: Page | Locator, label: string): Promise<void> {
  // Whichever segment has the focus (the last one after typing, the first after focusDateField).
  await dateField(scope, label).evaluate((field) => {
    const active = field.ownerDocument.activeElement;
    if (active instanceof HTMLElement && field.contains(active)) active.blur();
  });
}

/** What a date or time field shows, e.g. « 08:30 » or « 01/07/2026 ». */
export async function expectDateField(scope: Page | Locator, label: string, shown: string): Promise<void> {
  await expect
    .poll(async () => (await dateField(scope, label).innerText()).replace(/[\u2066-\u2069\s]/g, ''))
    .toBe(shown);
}

/** A file as the journeys hand it to the computer's file chooser. */
export interface ChosenFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Presses a « Choisir… » button (React Aria FileTrigger) and picks `file` in the chooser. */
export async function chooseFile(button: Locator, file: ChosenFile): Promise<void> {
  const chooser = button.page().waitForEvent('filechooser');
  await button.click();
  await (await chooser).setFiles(file);
}

/** The file button of a structured field, named by the field's label then its text. */
export function fileButton(scope: Page | Locator, label: string): Locator {
  return scope.getByRole('button', { name: new RegExp(`^${escapeRegExp(label)} (Choisir|Remplacer)`) });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A choice field (React Aria Select) by its label: its button, named « <choice> <label> ». */
export function selectButton(scope: Page | Locator, label: string): Locator {
  return scope.getByRole('button', { name: new RegExp(`${escapeRegExp(label)}$`) });
}

/** Opens a choice field and picks an option by its name (exact unless told). */
export async function chooseOption(
  scope: Page | Locator,
  label: string,
  option: string,
  exact = true,
): Promise<void> {
  const button = selectButton(scope, label);
  await button.click();
  await button.page().getByRole('listbox').getByRole('option', { name: option, exact }).first().click();
}

/** The page's own status lines (local copy / server / publication). */
export function pageStatus(page: Page) {
  return page.locator('.page-status');
}

/**
 * Runs axe-core on the current screen; returns « rule: help (targets) » per violation.
 * The preview iframe is `sandbox=""` (no script may run in it, so axe cannot either and
 * would wait for it): its content is the published page, scanned by the publish journey.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const scan = await new AxeBuilder({ page })
    .exclude('iframe.page-preview')
    .options({ iframes: false })
    .analyze();
  return scan.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

/** A PNG of `width` × `height` drawn in the browser (a gradient: not a blank image). */
export async function pngFile(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ([w, h]) => {
      const canvas = new OffscreenCanvas(w!, h!);
      const ctx = canvas.getContext('2d')!;
      const gradient = ctx.createLinearGradient(0, 0, w!, h!);
      gradient.addColorStop(0, '#1d4ed8');
      gradient.addColorStop(1, '#f59e0b');
      ctx.fillStyle = gradient;
      ctx.fillRect(0, 0, w!, h!);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      return btoa(binary);
    },
    [width, height],
  );
  return Buffer.from(base64, 'base64');
}

/** A small valid PDF whose bytes (so SHA-256) depend on `seed`. */
export function pdfFile(seed: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF ${seed}\n`,
  );
}

/** The slug the site gives a page title (accents dropped, lowercase, dashes). */
export function slugOf(title: string): string {
  return title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
