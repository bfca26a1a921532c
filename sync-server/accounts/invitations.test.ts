// [INV-1..4] issue #9, finding 7: a référent invites, the account accepts; the answer tells
// nothing about the address. [AUDV-1] finding 11: a commune's audit log, as its référent reads
// it (API and export), holds no address nor id of anyone outside the commune. Real server on
// port 0, real HTTP from several loopback addresses, real sync sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE, SUBPROTOCOL } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import {
  callApi,
  callApiFrom,
  closeCodeOf,
  login,
  rawSocket,
  readZip,
  startTestServer,
  syncUrl,
  tempDataDir,
} from '../app/testHarness';

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
const PASSWORDS = {
  admin: 'Calanques-et-garrigue-2026',
  aix: 'Sainte-Victoire-au-matin',
  allauch: 'Allauch-les-moulins-13190',
  agent: 'Cours-Mirabeau-fontaines',
};
let admin: LoginResponse;
let aix: LoginResponse;
let allauch: LoginResponse;

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, { createDemoAccount: false });
  await Promise.all([
    server.admin.addAgent({
      commune: '13002',
      email: 'admin@ampmetropole.fr',
      password: PASSWORDS.admin,
      role: 'relecteur',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'referent@aix.fr',
      password: PASSWORDS.aix,
      role: 'referent',
    }),
    server.admin.addAgent({
      commune: '13002',
      email: 'referent@allauch.fr',
      password: PASSWORDS.allauch,
      role: 'referent',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'agent@aix.fr',
      password: PASSWORDS.agent,
      role: 'agent',
    }),
  ]);
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  [admin, aix, allauch] = await Promise.all([
    login(server, 'admin@ampmetropole.fr', PASSWORDS.admin),
    login(server, 'referent@aix.fr', PASSWORDS.aix),
    login(server, 'referent@allauch.fr', PASSWORDS.allauch),
  ]);
});

afterAll(async () => {
  await server?.close();
  await dataDir?.remove();
});

/** The answer with the e-mail blanked: what must not depend on the address. */
const shape = (response: { status: number; body: unknown }, email: string) => ({
  status: response.status,
  body: JSON.stringify(response.body).replaceAll(email, '<email>'),
});

describe('a référent adds an address to their commune', () => {
  it('[INV-1] the answer is the same for another commune’s référent, the Métropole’s admin and an unknown address, and gives no role', async () => {
    const createdInLog = async () =>
      (await callApi(server, 'GET', '/api/communes/13001/audit', aix.accessToken)).body.entries.filter(
        (e: { event: string }) => e.event === 'agent.created',
      ).length;
    const createdBefore = await createdInLog();
    const add = (body: Record<string, string>) =>
      callApi(server, 'POST', '/api/communes/13001/agents', aix.accessToken, body);
    const answers = {
      otherReferent: await add({ email: 'referent@allauch.fr', role: 'agent' }),
      admin: await add({ email: 'admin@ampmetropole.fr', role: 'relecteur' }),
      unknown: await add({ email: 'personne@nulle-part.fr', role: 'agent' }),
    };
    expect(shape(answers.otherReferent, 'referent@allauch.fr')).toEqual(
      shape(answers.unknown, 'personne@nulle-part.fr'),
    );
    expect(shape(answers.admin, 'admin@ampmetropole.fr').status).toBe(answers.unknown.status);
    for (const answer of Object.values(answers)) {
      expect(answer.status).toBe(202);
      expect(answer.body.message).toMatch(/Invitation envoyée/);
      expect(JSON.stringify(answer.body)).not.toMatch(/13002|"communes"|"admin"|mot de passe/i);
    }
    // With a password: a new account is created, an existing one is left alone — same answer.
    const withPassword = {
      existing: await add({
        email: 'referent@allauch.fr',
        role: 'agent',
        password: 'Un-mot-de-passe-choisi-42',
      }),
      created: await add({ email: 'nouvelle@aix.fr', role: 'agent', password: 'Un-mot-de-passe-choisi-42' }),
    };
    expect(shape(withPassword.existing, 'referent@allauch.fr')).toEqual(
      shape(withPassword.created, 'nouvelle@aix.fr'),
    );
    // Nobody gained a role: not in the members list, no socket on the commune.
    const listed = await callApi(server, 'GET', '/api/communes/13001/agents', aix.accessToken);
    const members = listed.body.agents.map((a: { email: string }) => a.email);
    expect(members).not.toContain('referent@allauch.fr');
    expect(members).not.toContain('nouvelle@aix.fr');
    expect(listed.body.invitations.map((i: { email: string }) => i.email).sort()).toEqual([
      'admin@ampmetropole.fr',
      'nouvelle@aix.fr',
      'personne@nulle-part.fr',
      'referent@allauch.fr',
    ]);
    expect(await closeCodeOf(`${syncUrl(server)}/13001/site`, [SUBPROTOCOL, allauch.accessToken])).toBe(
      CLOSE.FORBIDDEN.code,
    );
    // The existing account's password did not change.
    await login(server, 'referent@allauch.fr', PASSWORDS.allauch);
    // Nor does the commune's log tell a created account from an existing one.
    const log = await callApi(server, 'GET', '/api/communes/13001/audit', aix.accessToken);
    const invited = log.body.entries.filter((e: { event: string }) => e.event === 'agent.invited');
    expect(invited).toHaveLength(5);
    expect(await createdInLog()).toBe(createdBefore);
  });

  it('[INV-2] the invited account sees its invitations, accepts one and only then gains the role; declines another', async () => {
    const pending = await callApi(server, 'GET', '/api/me/invitations', allauch.accessToken);
    expect(pending.status).toBe(200);
    expect(pending.body.invitations).toEqual([
      expect.objectContaining({ insee: '13001', communeName: 'Aix-en-Provence', role: 'agent' }),
    ]);
    const accepted = await callApi(server, 'POST', '/api/me/invitations/13001/accept', allauch.accessToken);
    expect(accepted.status).toBe(200);
    expect(accepted.body.communes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ insee: '13001', role: 'agent' }),
        expect.objectContaining({ insee: '13002', role: 'referent' }),
      ]),
    );
    const socket = rawSocket(server, '13001/site', allauch.accessToken);
    await socket.opened;
    socket.socket.close();
    // Accepting twice: nothing pending any more.
    expect(
      (await callApi(server, 'POST', '/api/me/invitations/13001/accept', allauch.accessToken)).status,
    ).toBe(404);

    // The admin declines theirs: no role in 13001.
    expect(
      (await callApi(server, 'POST', '/api/me/invitations/13001/decline', admin.accessToken)).status,
    ).toBe(200);
    const me = await callApi(server, 'GET', '/api/me', admin.accessToken);
    expect(me.body.communes.map((c: { insee: string }) => c.insee)).not.toContain('13001');

    // The account created by the invitation logs in with the password the référent chose,
    // has no commune yet, and joins by accepting.
    const created = await login(server, 'nouvelle@aix.fr', 'Un-mot-de-passe-choisi-42');
    expect(created.agent.communes).toEqual([]);
    expect(
      (await callApi(server, 'POST', '/api/me/invitations/13001/accept', created.accessToken)).body.communes,
    ).toEqual([expect.objectContaining({ insee: '13001', role: 'agent' })]);
    // Without a token: refused.
    expect((await callApi(server, 'GET', '/api/me/invitations')).status).toBe(401);
  });

  it('[INV-3] an invitation is void once whoever sent it is no longer référent', async () => {
    await callApi(server, 'POST', '/api/communes/13001/agents', aix.accessToken, {
      email: 'agent2@aix.fr',
      role: 'agent',
      password: 'Deuxieme-agent-de-la-mairie',
    });
    await server.admin.grantRole('referent@aix.fr', '13001', 'agent');
    const invited = await login(server, 'agent2@aix.fr', 'Deuxieme-agent-de-la-mairie');
    expect(
      (await callApi(server, 'POST', '/api/me/invitations/13001/accept', invited.accessToken)).status,
    ).toBe(404);
    expect((await callApi(server, 'GET', '/api/me', invited.accessToken)).body.communes).toEqual([]);
    await server.admin.grantRole('referent@aix.fr', '13001', 'referent');
  });

  it('[INV-4] an admin still attaches an existing account directly', async () => {
    const attached = await callApi(server, 'POST', '/api/communes/13003/agents', admin.accessToken, {
      email: 'referent@allauch.fr',
      role: 'relecteur',
    });
    expect(attached.status).toBe(200);
    expect(attached.body.agent.communes).toEqual(
      expect.arrayContaining([expect.objectContaining({ insee: '13003', role: 'relecteur' })]),
    );
  });
});

describe('a commune’s audit log as its référent reads it', () => {
  it('[AUDV-1] holds neither the address nor the id of another commune’s agent or of the Métropole; members keep theirs; the admin sees all', async () => {
    const OUTSIDER = '127.0.0.51';
    const METROPOLE = '127.0.0.52';
    const MEMBER = '127.0.0.53';
    // Another commune's référent (no longer in 13001) probes it; the admin exports it; a member
    // of the commune tries an operation reserved to its référent.
    await callApi(server, 'DELETE', `/api/communes/13001/agents/${allauch.agent.id}`, aix.accessToken);
    const outsider = await login(server, 'referent@allauch.fr', PASSWORDS.allauch);
    expect(
      (
        await callApiFrom(server, OUTSIDER, 'GET', '/api/communes/13001/agents', {
          token: outsider.accessToken,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await callApiFrom(server, METROPOLE, 'GET', '/api/communes/13001/export', {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(200);
    const member = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    expect(
      (await callApiFrom(server, MEMBER, 'GET', '/api/communes/13001/audit', { token: member.accessToken }))
        .status,
    ).toBe(403);

    const asReferent = await callApi(server, 'GET', '/api/communes/13001/audit', aix.accessToken);
    const text = JSON.stringify(asReferent.body);
    expect(text).not.toContain(OUTSIDER);
    expect(text).not.toContain(METROPOLE);
    expect(text).toContain(MEMBER);
    const entries = asReferent.body.entries as Array<{
      event: string;
      agentId: string | null;
      details: { actor: string };
    }>;
    // Their ids may stay as the target of a role once held here, never as the actor.
    const outsiders = [allauch.agent.id, admin.agent.id];
    expect(entries.filter((e) => outsiders.includes(e.agentId ?? ''))).toEqual([]);
    expect(entries.find((e) => e.event === 'commune.exported')?.details.actor).toBe('metropole');
    expect(entries.filter((e) => e.details.actor === 'exterieur').length).toBeGreaterThan(0);

    // The export the référent downloads: the same view in journal.json.
    const response = await fetch(`${server.url}/api/communes/13001/export`, {
      headers: { authorization: `Bearer ${aix.accessToken}` },
    });
    const journal = readZip(Buffer.from(await response.arrayBuffer()))
      .get('journal.json')!
      .toString('utf8');
    expect(journal).not.toContain(OUTSIDER);
    expect(journal).not.toContain(METROPOLE);
    expect(journal).toContain(MEMBER);

    // The Métropole's view keeps everything.
    const asAdmin = JSON.stringify(
      (await callApi(server, 'GET', '/api/communes/13001/audit', admin.accessToken)).body,
    );
    expect(asAdmin).toContain(OUTSIDER);
    expect(asAdmin).toContain(METROPOLE);
  });
});
