// The server's technical refusals in plain words: a secretary never reads « Requête invalide :
// champ … absent » or « JSON attendu ». Codes whose server message is already meant for the
// agent (a publication's checks, an access refused with its reason) keep it.
import { MESSAGES_FR } from './apiClient';

/** Codes meaning « the editor sent something the server could not use »: the agent can only retry. */
const PLAIN_BY_CODE: Readonly<Record<string, string>> = {
  'invalid-request':
    'Le serveur n’a pas compris la demande de l’éditeur. Rechargez la page puis réessayez ; si cela recommence, prévenez le support de la Métropole.',
  'invalid-json':
    'Le serveur n’a pas compris la demande de l’éditeur. Rechargez la page puis réessayez ; si cela recommence, prévenez le support de la Métropole.',
  'method-not-allowed':
    'Cette action n’est pas possible avec la version du serveur. Rechargez la page (une mise à jour a peut-être eu lieu).',
  'payload-too-large': 'Ce que vous envoyez est trop volumineux pour le serveur.',
};

/** Words no agent should read, whatever the code. */
const JARGON = /requête|\bjson\b|sha-?256|empreinte|payload/i;

/** The message to show for a refusal: plain words by code, or the server's own when readable. */
export function plainRefusal(code: string | undefined, serverMessage: string | undefined): string {
  if (code && PLAIN_BY_CODE[code]) return PLAIN_BY_CODE[code]!;
  if (serverMessage && !JARGON.test(serverMessage)) return serverMessage;
  return MESSAGES_FR.unexpected;
}
