// Issue 4 §5 journey — scheduled publication: the référent schedules a page a few seconds
// ahead and closes the editor; the server publishes it alone; the page is fetched over HTTP.
import { slugify } from '../site/siteDoc';
import { backHome, fillDateField, openPanelSection, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, openPage, STATUS, status, test } from './harness';

/** Local date (AAAA-MM-JJ) and time (HH:MM:SS) as the date and time fields take them. */
function fields(at: Date): { date: string; time: string } {
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`,
    time: `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`,
  };
}

test('[schedule-1] the référent schedules a page, closes the editor, the server publishes it alone', async ({
  openAgent,
  server,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const title = uniqueTitle('Fête de la musique');
  await createPage(referent, title);
  await editor(referent.page).click();
  await referent.page.keyboard.type('Concerts place de la Mairie, le 21 juin à partir de 18 h.');
  await expect(status(referent.page)).toHaveText(STATUS.saved);
  const pageUrl = `${server.url}/sites/aix-en-provence/${slugify(title)}/index.html`;
  expect((await fetch(pageUrl)).status).toBe(404);

  await openPanelSection(referent.page, 'Programmer la publication');
  const section = referent.page.getByRole('region', { name: 'Publication à une date choisie' });
  // A date in the past is refused in French, and nothing is scheduled.
  const past = fields(new Date(Date.now() - 3_600_000));
  await fillDateField(section, 'Date de publication', past.date);
  await fillDateField(section, 'Heure de publication', past.time);
  await section.getByRole('button', { name: 'Programmer la publication' }).click();
  await expect(section.getByRole('alert')).toHaveText(
    'Cette date est déjà passée : choisissez une date et une heure à venir.',
  );
  await expect(section.getByText(/^Publication programmée le/)).toHaveCount(0);

  // One scheduled then cancelled: the state is shown, then gone.
  const later = fields(new Date(Date.now() + 3_600_000));
  await fillDateField(section, 'Date de publication', later.date);
  await fillDateField(section, 'Heure de publication', later.time);
  await section.getByRole('button', { name: 'Programmer la publication' }).click();
  await expect(section.getByText(/^Publication programmée le/)).toHaveCount(1);
  // Another agent of the commune sees it, without the référent's controls.
  const agent = await openAgent({ displayName: 'Bruno Agent' });
  await openPage(agent, title);
  await openPanelSection(agent.page, 'Programmer la publication');
  const seen = agent.page.getByRole('region', { name: 'Publication à une date choisie' });
  await expect(seen.getByText(/^Publication programmée le/)).toHaveCount(1);
  await expect(seen.getByRole('button')).toHaveCount(0);
  await agent.context.close();
  await section.getByRole('button', { name: /^Annuler la publication programmée le/ }).click();
  await expect(section.getByText(/^Publication programmée le/)).toHaveCount(0);
  await expect(section).toContainText('annulée');

  // The real one, a few seconds ahead.
  const soon = fields(new Date(Date.now() + 6_000));
  await fillDateField(section, 'Date de publication', soon.date);
  await fillDateField(section, 'Heure de publication', soon.time);
  await section.getByRole('button', { name: 'Programmer la publication' }).click();
  await expect(section.getByText(/^Publication programmée le/)).toHaveCount(1);
  await expect(section).toContainText(`Publication de « ${title} » programmée le`);

  // The editor is closed: no browser is left to publish.
  await referent.page.close();
  await expect
    .poll(async () => (await fetch(pageUrl)).status, { timeout: 20_000, intervals: [500] })
    .toBe(200);
  expect(await (await fetch(pageUrl)).text()).toContain(
    'Concerts place de la Mairie, le 21 juin à partir de 18 h.',
  );

  // Back in the editor, the page is « published » and the schedule says it was done.
  const again = await openAgent({ displayName: 'Chantal Référente bis', role: 'referent' });
  await openPage(again, title);
  await expect(
    again.page.getByRole('complementary', { name: 'Détails de la page' }).locator('.page-state .badge'),
  ).toHaveText('En ligne');
  await openPanelSection(again.page, 'Programmer la publication');
  await expect(again.page.getByRole('region', { name: 'Publication à une date choisie' })).toContainText(
    'Publiée par le serveur le',
  );
  await backHome(again);
});

test('[schedule-2] offline, scheduling says the server is needed and does nothing', async ({
  openAgent,
  server,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent', viaLink: true });
  const title = uniqueTitle('Vide-grenier');
  await createPage(referent, title);
  await expect(status(referent.page)).toHaveText(STATUS.saved);
  referent.link!.goOffline();
  await expect(status(referent.page)).toHaveText(STATUS.offline);
  await openPanelSection(referent.page, 'Programmer la publication');
  const section = referent.page.getByRole('region', { name: 'Publication à une date choisie' });
  const later = fields(new Date(Date.now() + 3_600_000));
  await fillDateField(section, 'Date de publication', later.date);
  await fillDateField(section, 'Heure de publication', later.time);
  await section.getByRole('button', { name: 'Programmer la publication' }).click();
  await expect(section.getByRole('alert')).toHaveText(
    'Programmation impossible hors ligne : le serveur de la Métropole est injoignable. Rien n’a été programmé ni annulé.',
  );
  // Nothing reached the server.
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: referent.email, password: referent.password }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const list = (await (
    await fetch(`${server.url}/api/communes/13001/schedule`, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
  ).json()) as { scheduled: Array<{ state: string }> };
  expect(list.scheduled.filter((s) => s.state === 'pending')).toEqual([]);
});
