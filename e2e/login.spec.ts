// Issue 10 §5 journey — the login screen: React Aria fields, French messages next to each field
// and in a summary whose links move the focus; `serverFixed=1` (desktop app packaged for one
// server) shows the address as text instead of asking it.
import { axeViolations } from './editorHelpers';
import { expect, test } from './harness';

test('[login-1] empty fields are named in French, next to each field and in a summary', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/app/`);
  await expect(page.getByLabel('Adresse du serveur')).toHaveValue(server.url);
  await page.getByLabel('Adresse du serveur').fill('');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const summary = page.getByRole('region', { name: 'Pour vous connecter, corrigez (3 champs)' });
  await expect(summary.getByRole('link')).toHaveText([
    'Adresse du serveur',
    'Adresse e-mail',
    'Mot de passe',
  ]);
  await expect(page.getByLabel('Adresse e-mail')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Indiquez votre adresse e-mail.')).toBeVisible();
  await expect(page.getByText('Indiquez votre mot de passe.')).toBeVisible();
  await summary.getByRole('link', { name: 'Mot de passe' }).click();
  await expect(page.getByLabel('Mot de passe')).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
});

test('[login-2] serverFixed=1: the address is shown, not asked, and the login works', async ({
  page,
  server,
}) => {
  const email = `fixe.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Motdepasse-fixe-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({ commune: '13001', email, password, role: 'agent', displayName: 'Fixe' });
  await page.goto(`${server.url}/app/?serverFixed=1`);
  await expect(page.getByText(`Serveur : ${server.url}`)).toBeVisible();
  await expect(page.getByLabel('Adresse du serveur')).toHaveCount(0);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
});
