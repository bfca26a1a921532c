// Accounts, sessions, roles and isolation through the real server (port 0, real HTTP, real
// sockets): password rules, growing delay then lock, logout, idle and absolute session
// lifetimes, référent/admin management, sockets closed on role changes, and the audit log of
// every refusal. One server per file, with a clock the tests move; few scrypt hashes.
import * as decoding from 'lib0/decoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE } from '../../site/syncProtocol';
import { passwordProblem } from './passwordPolicy';
import type { RunningServer } from '../app/server';
import {
  callApi,
  closeCodeOf,
  login,
  openClient,
  rawSocket,
  startTestServer,
  syncUrl,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';
import { MESSAGE_AUTH, READ_ONLY_REASON, SUBPROTOCOL } from '../../site/syncProtocol';

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let clock = Date.now();
const IDLE_S = 3600;
const ABSOLUTE_S = 4 * 3600;
const PASSWORDS = {
  admin: 'Calanques-et-garrigue-2026',
  referent: 'Sainte-Victoire-au-matin',
  agent: 'Cours-Mirabeau-fontaines',
  relecteur: 'Relire-les-deliberations',
};
let admin: LoginResponse;
let referent: LoginResponse;
let agentId: string;

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, {
    createDemoAccount: false,
    now: () => clock,
    loginFailureDelayMs: 10,
    sessions: {
      sessionIdleSeconds: IDLE_S,
      sessionAbsoluteSeconds: ABSOLUTE_S,
      lockAfterFailures: 3,
      lockSeconds: 600,
    },
  });
  const created = await Promise.all([
    server.admin.addAgent({
      commune: '13001',
      email: 'admin@ampmetropole.fr',
      password: PASSWORDS.admin,
      role: 'relecteur',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'referent@aix.fr',
      password: PASSWORDS.referent,
      role: 'referent',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'agent@aix.fr',
      password: PASSWORDS.agent,
      role: 'agent',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'relecteur@aix.fr',
      password: PASSWORDS.relecteur,
      role: 'relecteur',
    }),
  ]);
  agentId = created[2].id;
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  [admin, referent] = await Promise.all([
    login(server, 'admin@ampmetropole.fr', PASSWORDS.admin),
    login(server, 'referent@aix.fr', PASSWORDS.referent),
  ]);
});

afterAll(async () => {
  await server?.close();
  await dataDir?.remove();
});

describe('passwords', () => {
  it('[AUTH-1] needs 12 characters, refuses common passwords and their padded forms, and the e-mail', () => {
    expect(passwordProblem('Court-2026!')).toMatch(/au moins 12/);
    expect(passwordProblem('motdepasse123')).toMatch(/^Mot de passe trop facile à deviner\./);
    expect(passwordProblem('Marseille2024!!')).toMatch(/trop facile à deviner/);
    expect(passwordProblem('123456789012')).toMatch(/couramment utilisé/);
    expect(passwordProblem('azertyuiop!!')).toMatch(/lignes droites de touches/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/caractères répétés/);
    expect(passwordProblem('jean.dupont2026', 'jean.dupont@mairie.fr')).toMatch(/adresse e-mail/);
    expect(passwordProblem('Trois-mots-au-hasard-du-marché')).toBeNull();
  });

  it('[AUTH-13] refuses keyboard walks, repeated patterns and sequences, with French advice; accepts passphrases', () => {
    const refusals = {
      azertyazerty: /caractères répétés/,
      qwertzuiopasdf: /lignes droites de touches/,
      'abcde12345!!': /trop facile à deviner/,
      'azerty-azerty-azerty': /trop facile à deviner/,
      '1qaz2wsx3edc4rfv': /trop facile à deviner/,
      'P@ssw0rd-2024!': /trop facile à deviner/,
    };
    for (const [password, reason] of Object.entries(refusals)) {
      expect(passwordProblem(password), password).toMatch(reason);
    }
    for (const password of [
      'Trois-mots-au-hasard-du-marché',
      'Calanques-et-garrigue-2026',
      'Tr0is-m0ts-au-h@sard',
    ]) {
      expect(passwordProblem(password), password).toBeNull();
    }
  });

  it('[AUTH-1] the API refuses a weak password with a code and a French message', async () => {
    const response = await callApi(server, 'POST', '/api/communes/13001/agents', referent.accessToken, {
      email: 'nouveau@aix.fr',
      password: 'azerty123456',
      role: 'agent',
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({
      code: 'weak-password',
      message: expect.stringMatching(/^Mot de passe trop facile à deviner\. /),
    });
  });
});

describe('failed logins', () => {
  it('[AUTH-2] slow down, then lock the account (even for the right password), then unlock after the lock time', async () => {
    const attempt = (password: string) =>
      callApi(server, 'POST', '/api/auth/login', undefined, { email: 'relecteur@aix.fr', password });
    const first = await attempt('pas-le-bon-mot-de-passe');
    expect(first.status).toBe(401);
    expect((await attempt('toujours-pas-le-bon')).status).toBe(401);
    const third = await attempt('encore-une-erreur!');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('account-locked');
    expect(third.body.error.message).toMatch(/bloqué jusqu'à/);
    expect((await attempt(PASSWORDS.relecteur)).status).toBe(429);
    const events = (await server.audit.list()).map((e) => e.event);
    expect(events.filter((e) => e === 'auth.login_failed').length).toBeGreaterThanOrEqual(2);
    expect(events).toContain('auth.locked');
    clock += 601_000;
    expect((await attempt(PASSWORDS.relecteur)).status).toBe(200);
  });

  it('[AUTH-2] the delay grows with each failure', async () => {
    const { Accounts } = await import('./Accounts');
    const { openDatabase } = await import('../storage/database');
    const { silentLogger } = await import('../observability/Logger');
    const { SqliteAccountStore } = await import('../storage/SqliteAccountStore');
    const db = openDatabase(dataDir.dir);
    try {
      const accounts = await Accounts.open(new SqliteAccountStore(db), {
        logger: silentLogger,
        failureDelayMs: 100,
        lockAfterFailures: 10,
      });
      const delays: number[] = [];
      for (let i = 0; i < 4; i++) {
        const result = await accounts.login('inconnu@nulle-part.fr', 'nimporte-quoi-123');
        if (!result.ok) delays.push(result.delayMs);
      }
      expect(delays).toEqual([100, 200, 400, 800]);
    } finally {
      db.close();
    }
  });
});

describe('sessions', () => {
  it('[AUTH-5] replaying a rotated refresh token revokes the session and closes its live sockets', async () => {
    const session = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    const rotated = await callApi(server, 'POST', '/api/auth/refresh', undefined, {
      refreshToken: session.refreshToken,
    });
    expect(rotated.status).toBe(200);
    const thief = rawSocket(server, '13001/page/reuse0000001', rotated.body.accessToken);
    await thief.opened;
    const replay = await callApi(server, 'POST', '/api/auth/refresh', undefined, {
      refreshToken: session.refreshToken,
    });
    expect(replay.status).toBe(401);
    expect(await thief.closed).toBe(CLOSE.TOKEN_EXPIRED.code);
    expect((await callApi(server, 'GET', '/api/me', rotated.body.accessToken)).status).toBe(401);
  });

  it('[AUTH-3] logout ends the session, closes its sockets, and leaves other sessions alone', async () => {
    const [a, b] = await Promise.all([
      login(server, 'agent@aix.fr', PASSWORDS.agent),
      login(server, 'agent@aix.fr', PASSWORDS.agent),
    ]);
    const onA = rawSocket(server, '13001/page/logout00001', a.accessToken);
    const onB = openClient(server, '13001/page/logout00001', b.accessToken);
    await Promise.all([onA.opened, waitSynced(onB)]);
    const started = Date.now();
    expect((await callApi(server, 'POST', '/api/auth/logout', a.accessToken)).status).toBe(200);
    expect(await onA.closed).toBe(CLOSE.TOKEN_EXPIRED.code);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await callApi(server, 'GET', '/api/me', a.accessToken)).status).toBe(401);
    expect(
      (await callApi(server, 'POST', '/api/auth/refresh', undefined, { refreshToken: a.refreshToken }))
        .status,
    ).toBe(401);
    expect((await callApi(server, 'GET', '/api/me', b.accessToken)).status).toBe(200);
    expect(onB.provider.wsconnected).toBe(true);
    onB.destroy();
    expect(await server.audit.list({ event: 'auth.logout' })).toHaveLength(1);
  });

  it('[AUTH-3b] a logout queued offline ends the session with its refresh token once the access token has expired', async () => {
    const a = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    // Without a valid access token (expired while offline): the refresh token names the session.
    const answered = await callApi(server, 'POST', '/api/auth/logout', 'jeton-expire', {
      refreshToken: a.refreshToken,
    });
    expect(answered.status).toBe(200);
    expect((await callApi(server, 'GET', '/api/me', a.accessToken)).status).toBe(401);
    expect(
      (await callApi(server, 'POST', '/api/auth/refresh', undefined, { refreshToken: a.refreshToken }))
        .status,
    ).toBe(401);
    expect((await server.audit.list({ event: 'auth.logout' })).at(-1)).toMatchObject({
      outcome: 'ok',
      details: { via: 'refresh-token' },
    });
    // An unknown refresh token ends nothing.
    const forged = await callApi(server, 'POST', '/api/auth/logout', undefined, { refreshToken: 'inconnu' });
    expect(forged.status).toBe(401);
  });

  it('[AUTH-4] an idle session ends; an active one ends at its absolute lifetime', async () => {
    const idle = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    clock += (IDLE_S + 1) * 1000;
    const refused = await callApi(server, 'POST', '/api/auth/refresh', undefined, {
      refreshToken: idle.refreshToken,
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid-refresh-token');
    expect((await server.audit.list({ event: 'api.refused' })).at(-1)?.outcome).toBe('refresh-idle');

    let session = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    // Refreshing every 50 minutes keeps it alive… until 4 hours after the login.
    for (let elapsed = 0; elapsed + 3000 < ABSOLUTE_S; elapsed += 3000) {
      clock += 3000 * 1000;
      const next = await callApi(server, 'POST', '/api/auth/refresh', undefined, {
        refreshToken: session.refreshToken,
      });
      if (next.status !== 200) throw new Error(`refresh refused too early at ${elapsed}s`);
      session = next.body as LoginResponse;
    }
    clock += 3000 * 1000;
    const late = await callApi(server, 'POST', '/api/auth/refresh', undefined, {
      refreshToken: session.refreshToken,
    });
    expect(late.status).toBe(401);
    expect((await server.audit.list({ event: 'api.refused' })).at(-1)?.outcome).toBe('refresh-expired');
  });
});

describe('roles', () => {
  // The session tests moved the clock past every earlier session's lifetime.
  beforeAll(async () => {
    [admin, referent] = await Promise.all([
      login(server, 'admin@ampmetropole.fr', PASSWORDS.admin),
      login(server, 'referent@aix.fr', PASSWORDS.referent),
    ]);
  });

  it('[ROLE-1] a référent manages the agents of their commune only, and cannot make référents', async () => {
    const listed = await callApi(server, 'GET', '/api/communes/13001/agents', referent.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body.agents.map((a: { email: string }) => a.email)).toContain('agent@aix.fr');
    expect(JSON.stringify(listed.body)).not.toMatch(/scrypt|hash/);
    const other = await callApi(server, 'GET', '/api/communes/13002/agents', referent.accessToken);
    expect(other.status).toBe(403);
    const promote = await callApi(
      server,
      'PUT',
      `/api/communes/13001/agents/${agentId}`,
      referent.accessToken,
      {
        role: 'referent',
      },
    );
    expect(promote.status).toBe(403);
    const asAgent = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    expect((await callApi(server, 'GET', '/api/communes/13001/agents', asAgent.accessToken)).status).toBe(
      403,
    );
    // An existing account gets a role without a password.
    const granted = await callApi(server, 'POST', '/api/communes/13001/agents', referent.accessToken, {
      email: 'admin@ampmetropole.fr',
      role: 'agent',
    });
    expect(granted.status).toBe(200);
  });

  it('[ROLE-2] changing or removing a role closes that agent’s sockets on the commune within a second', async () => {
    const session = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    const socket = rawSocket(server, '13001/page/rolechange01', session.accessToken);
    await socket.opened;
    const started = Date.now();
    const demoted = await callApi(
      server,
      'PUT',
      `/api/communes/13001/agents/${agentId}`,
      referent.accessToken,
      {
        role: 'relecteur',
      },
    );
    expect(demoted.status).toBe(200);
    expect(await socket.closed).toBe(CLOSE.FORBIDDEN.code);
    expect(Date.now() - started).toBeLessThan(1000);

    // Reconnected as relecteur: told read-only by y-websocket's auth message.
    const reader = rawSocket(server, '13001/page/rolechange01', session.accessToken);
    await reader.opened;
    await waitFor(() => reader.messages.some((m) => m[0] === MESSAGE_AUTH), 'permission-denied message');
    const auth = decoding.createDecoder(reader.messages.find((m) => m[0] === MESSAGE_AUTH)!);
    decoding.readVarUint(auth);
    expect(decoding.readVarUint(auth)).toBe(0); // permission denied
    expect(decoding.readVarString(auth)).toBe(READ_ONLY_REASON);

    const removed = await callApi(
      server,
      'DELETE',
      `/api/communes/13001/agents/${agentId}`,
      referent.accessToken,
    );
    expect(removed.status).toBe(200);
    expect(await reader.closed).toBe(CLOSE.FORBIDDEN.code);
    expect(await closeCodeOf(`${syncUrl(server)}/13001/site`, [SUBPROTOCOL, session.accessToken])).toBe(4403);
    const audit = (await server.audit.list({ insee: '13001' })).map((e) => e.event);
    expect(audit).toEqual(expect.arrayContaining(['agent.role_changed', 'agent.role_removed']));
    // Back to agent for the other tests: no longer a member, so the référent invites and the
    // agent accepts (issue #9, finding 7).
    expect(
      (
        await callApi(server, 'POST', '/api/communes/13001/agents', referent.accessToken, {
          email: 'agent@aix.fr',
          role: 'agent',
        })
      ).status,
    ).toBe(202);
    expect(
      (await callApi(server, 'POST', '/api/me/invitations/13001/accept', session.accessToken)).status,
    ).toBe(200);
  });

  it('[ROLE-3] an admin manages communes and référents; others may not use the admin API', async () => {
    const communes = await callApi(server, 'GET', '/api/admin/communes', admin.accessToken);
    expect(communes.status).toBe(200);
    expect(communes.body.communes).toHaveLength(92);
    expect(communes.body.communes.find((c: { insee: string }) => c.insee === '13001').referents).toEqual([
      expect.objectContaining({ email: 'referent@aix.fr' }),
    ]);
    const made = await callApi(server, 'POST', '/api/communes/13002/agents', admin.accessToken, {
      email: 'referent@allauch.fr',
      password: 'Allauch-les-moulins-13190',
      role: 'referent',
      displayName: 'Référente Allauch',
    });
    expect(made.status).toBe(201);
    expect((await callApi(server, 'GET', '/api/admin/communes', referent.accessToken)).status).toBe(403);
    const session = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    const socket = rawSocket(server, '13001/site', session.accessToken);
    await socket.opened;
    expect(
      (await callApi(server, 'POST', `/api/admin/agents/${agentId}/disable`, admin.accessToken)).status,
    ).toBe(200);
    expect(await socket.closed).toBe(CLOSE.FORBIDDEN.code);
    expect(
      (await callApi(server, 'POST', `/api/admin/agents/${agentId}/enable`, admin.accessToken)).status,
    ).toBe(200);
  });
});

describe('isolation', () => {
  it('[ISO-1] every refusal has a named status or close code and is in the audit log', async () => {
    const before = (await server.audit.list()).length;
    const agentSession = await login(server, 'agent@aix.fr', PASSWORDS.agent);
    const refusals: Array<[string, string, number]> = [
      ['GET', '/api/communes/13002/docs', 403],
      ['POST', '/api/communes/13002/publish', 403],
      ['GET', '/api/communes/13002/publication', 403],
      ['GET', '/api/communes/13002/export', 403],
      ['GET', '/api/communes/13001/export', 403],
      ['GET', '/api/communes/13001/audit', 403],
      ['POST', '/api/communes/13001/publish', 403],
      ['GET', '/api/admin/audit', 403],
      ['POST', '/api/admin/backups', 403],
    ];
    for (const [method, apiPath, status] of refusals) {
      const response = await callApi(server, method, apiPath, agentSession.accessToken);
      expect([apiPath, response.status]).toEqual([apiPath, status]);
      expect(response.body.error.code).toBe('forbidden');
      expect(response.body.error.message).toMatch(/droits|référent|administrateurs/);
    }
    expect((await callApi(server, 'GET', '/api/communes/13001/docs')).status).toBe(401);
    const url = syncUrl(server);
    expect(await closeCodeOf(`${url}/13002/site`, [SUBPROTOCOL, agentSession.accessToken])).toBe(
      CLOSE.FORBIDDEN.code,
    );
    expect(await closeCodeOf(`${url}/13002/page/abcdefgh1234`, [SUBPROTOCOL, agentSession.accessToken])).toBe(
      4403,
    );
    expect(await closeCodeOf(`${url}/13001/site`, [SUBPROTOCOL, 'x'.repeat(43)])).toBe(
      CLOSE.TOKEN_EXPIRED.code,
    );
    const entries = (await server.audit.list()).slice(before);
    const apiRefusals = entries.filter((e) => e.event === 'api.refused');
    expect(apiRefusals).toHaveLength(refusals.length + 1);
    expect(apiRefusals[0]).toMatchObject({ insee: '13002', agentId, outcome: 'forbidden' });
    const syncRefusals = entries.filter((e) => e.event === 'sync.refused');
    expect(syncRefusals.map((e) => e.outcome)).toEqual(['forbidden', 'forbidden', 'token-expired']);
    expect(syncRefusals[0]).toMatchObject({ insee: '13002', agentId });
    // The audit log never holds a token.
    expect(JSON.stringify(await server.audit.list())).not.toContain(agentSession.accessToken);
  });
});
