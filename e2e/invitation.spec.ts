// Issue #9, finding 7: a référent invites an address; the agent sees the invitation on logging
// in and accepts it (or declines it), and only then works in the commune.
import { expect, test } from './harness';

async function loginApi(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

test('[INV-5] an invited agent accepts in the editor’s login and opens the commune; another declines', async ({
  browser,
  server,
}) => {
  const suffix = Date.now().toString(36);
  const referent = { email: `referent.${suffix}@aix.fr`, password: `Referent-solide-${suffix}-2026` };
  const other = { email: `referent.${suffix}@allauch.fr`, password: `Allauch-solide-${suffix}-2026` };
  await server.admin.addAgent({ commune: '13001', role: 'referent', ...referent });
  await server.admin.addAgent({ commune: '13002', role: 'referent', ...other });
  const token = await loginApi(server.url, referent.email, referent.password);
  const invite = (body: Record<string, string>) =>
    fetch(`${server.url}/api/communes/13001/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const newcomer = { email: `nouvelle.${suffix}@aix.fr`, password: `Nouvelle-solide-${suffix}-2026` };
  expect((await invite({ ...newcomer, role: 'agent' })).status).toBe(202);
  expect((await invite({ email: other.email, role: 'relecteur' })).status).toBe(202);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/app/`);
  await page.getByLabel('Adresse e-mail').fill(newcomer.email);
  await page.getByLabel('Mot de passe').fill(newcomer.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const invitations = page.getByRole('list', { name: 'Invitations en attente' });
  await expect(invitations).toContainText('Aix-en-Provence vous invite comme agent');
  await page.getByRole('button', { name: 'Accepter' }).click();
  await expect(page.getByRole('status')).toHaveText('Invitation acceptée.');
  await page.getByRole('button', { name: 'Continuer' }).click();
  await expect(page.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
  await context.close();

  const second = await browser.newContext();
  const otherPage = await second.newPage();
  await otherPage.goto(`${server.url}/app/`);
  await otherPage.getByLabel('Adresse e-mail').fill(other.email);
  await otherPage.getByLabel('Mot de passe').fill(other.password);
  await otherPage.getByRole('button', { name: 'Se connecter' }).click();
  await expect(otherPage.getByRole('list', { name: 'Invitations en attente' })).toContainText(
    'Aix-en-Provence vous invite comme relecteur',
  );
  await otherPage.getByRole('button', { name: 'Refuser' }).click();
  await expect(otherPage.getByRole('status')).toHaveText('Invitation refusée.');
  await otherPage.getByRole('button', { name: 'Continuer' }).click();
  await expect(otherPage.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
  const me = await fetch(`${server.url}/api/me`, {
    headers: { authorization: `Bearer ${await loginApi(server.url, other.email, other.password)}` },
  });
  expect(((await me.json()) as { communes: Array<{ insee: string }> }).communes.map((c) => c.insee)).toEqual([
    '13002',
  ]);
  await second.close();
});
