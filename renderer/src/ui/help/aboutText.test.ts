import { describe, expect, it } from 'vitest';
import type { UpdateState } from '../../../../electron/ipcContract';
import {
  DESKTOP_ONLY,
  DOWNLOADED,
  incomingVersion,
  systemText,
  UP_TO_DATE,
  updateStateText,
  WAITING_FOR_SYNC,
} from './aboutText';

describe('updateStateText', () => {
  it('says « À jour » when the server has nothing newer', () => {
    expect(updateStateText({ status: 'up-to-date' }, 0)).toBe('À jour');
    expect(UP_TO_DATE).toBe('À jour');
  });

  it('says a downloaded update installs at quit when nothing is pending', () => {
    expect(updateStateText({ status: 'downloaded', version: '1.5.0' }, 0)).toBe(
      'Mise à jour téléchargée — elle s’installera à la fermeture, quand tout est envoyé',
    );
  });

  it('says a downloaded update waits while changes are not sent', () => {
    for (const pending of [1, 12])
      expect(updateStateText({ status: 'downloaded', version: '1.5.0' }, pending)).toBe(
        'Mise à jour en attente : des modifications ne sont pas encore envoyées',
      );
    expect(WAITING_FOR_SYNC).not.toBe(DOWNLOADED);
  });

  it('says why a check failed', () => {
    expect(
      updateStateText(
        { status: 'error', message: 'serveur de mise à jour injoignable ou réponse invalide.' },
        0,
      ),
    ).toBe('Vérification impossible : serveur de mise à jour injoignable ou réponse invalide.');
  });

  it('has a French sentence for every other state, and the browser case', () => {
    const others: Array<[UpdateState, RegExp]> = [
      [{ status: 'checking' }, /^Recherche d’une mise à jour…$/],
      [
        { status: 'downloading', version: '1.5.0', percent: 42 },
        /^Téléchargement de la version 1\.5\.0 : 42 %$/,
      ],
      [{ status: 'idle' }, /^Pas encore vérifiée/],
      [{ status: 'disabled' }, /désactivées \(version de développement\)$/],
    ];
    for (const [state, text] of others) expect(updateStateText(state, 3)).toMatch(text);
    expect(updateStateText(null, 0)).toBe(DESKTOP_ONLY);
  });
});

describe('incomingVersion and systemText', () => {
  it('names the version an update brings, and the system', () => {
    expect(incomingVersion({ status: 'downloaded', version: '2.0.1' })).toBe('2.0.1');
    expect(incomingVersion({ status: 'up-to-date' })).toBeNull();
    expect(incomingVersion(null)).toBeNull();
    expect(systemText({ version: '1.0.0', platform: 'win32', electron: '45.4.1' })).toBe(
      'Windows (Electron 45.4.1)',
    );
    expect(systemText({ version: '1.0.0', platform: 'freebsd', electron: '' })).toBe('freebsd');
  });
});
