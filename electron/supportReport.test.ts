// The support report: what it tells the CATI, and that no secret ever reaches it.
import { describe, expect, it } from 'vitest';
import {
  buildSupportReport,
  createRecentErrors,
  MAX_ERROR_LENGTH,
  MAX_REPORTED_ERRORS,
  redactSecrets,
  type SupportReportInput,
} from './supportReport';

// Planted secrets: a refresh token (opaque), a JWT access token and a password.
const REFRESH_TOKEN = 'rt_9fK2mQ7xLp4Zs8Vb1Nc6Hd3Jw5Ty0Ue';
const ACCESS_TOKEN =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC00MiIsImNvbW11bmUiOiIxMzAwMSJ9.c2lnbmF0dXJlLXNlY3JldA';
const PASSWORD = 'Cigale-Soleil-1907!';
const SECRETS = [REFRESH_TOKEN, ACCESS_TOKEN, PASSWORD, 'agent@mairie-exemple.fr', 'hunter2'];

function input(overrides: Partial<SupportReportInput> = {}): SupportReportInput {
  return {
    generatedAt: new Date('2026-12-04T10:00:00Z'),
    app: { version: '1.4.2', platform: 'win32', electron: '45.4.1', packaged: true },
    os: { release: '10.0.19045', arch: 'x64' },
    serverUrl: 'https://usine.ampmetropole.fr',
    sync: { status: 'offline', pendingChanges: 3 },
    update: { status: 'downloaded', version: '1.5.0' },
    errors: [],
    ...overrides,
  };
}

describe('buildSupportReport', () => {
  it('describes the environment in French', () => {
    const text = buildSupportReport(input({ errors: ['Connexion refusée (code 1006)'] }));
    expect(text).toContain('Application : version 1.4.2 (Electron 45.4.1, version installée)');
    expect(text).toContain('Système : Windows 10.0.19045 (x64)');
    expect(text).toContain('Serveur : https://usine.ampmetropole.fr');
    expect(text).toContain('Synchronisation : hors ligne');
    expect(text).toContain('Modifications en attente d’envoi : 3');
    expect(text).toContain('Mise à jour : La version 1.5.0 sera installée à la fermeture');
    expect(text).toContain('Dernières erreurs (1) :\n- Connexion refusée (code 1006)');
  });

  it('says when the editor has not reported its sync state yet', () => {
    const text = buildSupportReport(input({ sync: null, errors: [] }));
    expect(text).toContain('Synchronisation : inconnue');
    expect(text).toContain('Dernières erreurs (0) :\n- aucune');
  });

  it('never contains a planted token, password or e-mail, wherever it was planted', () => {
    const text = buildSupportReport(
      input({
        serverUrl: `https://agent:${PASSWORD}@usine.ampmetropole.fr/ws?token=${REFRESH_TOKEN}`,
        app: { version: '1.4.2', platform: 'win32', electron: '45.4.1', packaged: true },
        errors: [
          `POST https://usine.ampmetropole.fr/api/auth/refresh?refreshToken=${REFRESH_TOKEN} failed`,
          `Authorization: Bearer ${ACCESS_TOKEN}`,
          `login failed {"email":"agent@mairie-exemple.fr","password":"${PASSWORD}"}`,
          `password=hunter2&remember=1`,
          `mot de passe: ${PASSWORD}`,
          `jeton inattendu ${ACCESS_TOKEN}`,
          `refresh token ${REFRESH_TOKEN} refusé`,
          `wss://usine.ampmetropole.fr/sync/13001?access_token=${ACCESS_TOKEN}`,
        ],
      }),
    );
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    // No part of the planted secrets longer than 8 characters survives either.
    for (const secret of [REFRESH_TOKEN, ACCESS_TOKEN]) {
      for (let i = 0; i + 12 <= secret.length; i += 4) expect(text).not.toContain(secret.slice(i, i + 12));
    }
    // What the CATI needs is still there.
    expect(text).toContain('Serveur : https://usine.ampmetropole.fr');
    expect(text).toContain('https://usine.ampmetropole.fr/api/auth/refresh [masqué] failed');
    expect(text).toContain('Authorization: [masqué]');
  });

  it('keeps only the last errors, each on one bounded line', () => {
    const errors = Array.from({ length: MAX_REPORTED_ERRORS + 5 }, (_, i) => `erreur ${i}`);
    errors.push(`ligne 1\nligne 2\r\n${'x '.repeat(5000)}`);
    const text = buildSupportReport(input({ errors }));
    expect(text).toContain(`Dernières erreurs (${MAX_REPORTED_ERRORS}) :`);
    expect(text).not.toContain('- erreur 5\n');
    expect(text).toContain('- erreur 24\n');
    const last = text.split('\n').find((line) => line.startsWith('- ligne 1 ligne 2'));
    expect(last).toBeDefined();
    expect(last!.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH + 2);
  });
});

describe('redactSecrets', () => {
  it('masks secret-looking values and leaves ordinary text alone', () => {
    expect(redactSecrets('token=abc123 et rien d’autre')).toBe('token=[masqué] et rien d’autre');
    expect(redactSecrets('"refreshToken": "abc"')).toBe('"refreshToken": [masqué]');
    expect(redactSecrets('Synchronisation interrompue (code 1006)')).toBe(
      'Synchronisation interrompue (code 1006)',
    );
    expect(redactSecrets('https://user:pw@example.org/a?b=c#d')).toBe('https://example.org/a [masqué]');
  });
});

describe('createRecentErrors', () => {
  it('redacts on entry and keeps a bounded number', () => {
    const recent = createRecentErrors(3);
    for (let i = 0; i < 5; i += 1) recent.add(`erreur ${i} password=${PASSWORD}`);
    const list = recent.list();
    expect(list).toHaveLength(3);
    expect(list[0]).toMatch(/erreur 2 password=\[masqué\]$/);
    expect(list.join('\n')).not.toContain(PASSWORD);
  });
});
