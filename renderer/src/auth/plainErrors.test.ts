import { describe, expect, it } from 'vitest';
import { MESSAGES_FR } from './apiClient';
import { plainRefusal } from './plainErrors';

describe('plain refusals', () => {
  it('[PLAIN-1] a malformed request is said without « requête » nor the field name', () => {
    const text = plainRefusal('invalid-request', 'Requête invalide : champ « at » absent ou incorrect.');
    expect(text).not.toMatch(/requête|champ/i);
    expect(text).toContain('Rechargez la page');
    expect(plainRefusal('invalid-json', 'Requête invalide (JSON attendu).')).not.toMatch(/JSON|requête/i);
  });

  it('[PLAIN-2] a message meant for the agent is kept; jargon under another code is replaced', () => {
    expect(plainRefusal('forbidden', 'Seul le référent de la commune peut publier.')).toBe(
      'Seul le référent de la commune peut publier.',
    );
    expect(plainRefusal('whatever', 'Empreinte SHA-256 différente')).toBe(MESSAGES_FR.unexpected);
    expect(plainRefusal(undefined, undefined)).toBe(MESSAGES_FR.unexpected);
  });
});
