// The invitations to join a commune waiting for the agent (issue #9, finding 7): shown once,
// right after logging in; each one accepted or declined. A référent's invitation gives its role
// only once accepted here.
import { useState } from 'react';
import type { AgentIdentity, PendingInvitation } from '../../../site/apiContract';
import { acceptInvitation, ApiFailure, declineInvitation, MESSAGES_FR } from '../auth/apiClient';

const ROLE_FR = { agent: 'agent', referent: 'référent', relecteur: 'relecteur' } as const;

interface Props {
  serverUrl: string;
  accessToken: string;
  agent: AgentIdentity;
  invitations: PendingInvitation[];
  /** Every invitation answered (or left for later): go on with the identity as it is now. */
  onDone: (agent: AgentIdentity) => void;
}

type Answer = 'accepted' | 'declined';

export function PendingInvitations({ serverUrl, accessToken, agent, invitations, onDone }: Props) {
  const [current, setCurrent] = useState(agent);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();

  async function answer(insee: string, choice: Answer) {
    setBusy(insee);
    setError(undefined);
    try {
      if (choice === 'accepted') setCurrent(await acceptInvitation(serverUrl, insee, accessToken));
      else await declineInvitation(serverUrl, insee, accessToken);
      setAnswers((previous) => ({ ...previous, [insee]: choice }));
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.message : MESSAGES_FR.unexpected);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <main className="login">
      <h1>Invitations</h1>
      <ul aria-label="Invitations en attente">
        {invitations.map((invitation) => {
          const done = answers[invitation.insee];
          return (
            <li key={invitation.insee}>
              <p>
                {invitation.communeName} vous invite comme {ROLE_FR[invitation.role]}
                {invitation.invitedBy ? ` (invitation de ${invitation.invitedBy})` : ''}.
              </p>
              {done ? (
                <p role="status">{done === 'accepted' ? 'Invitation acceptée.' : 'Invitation refusée.'}</p>
              ) : (
                <div className="actions">
                  <button
                    type="button"
                    className="primary"
                    disabled={busy !== undefined}
                    onClick={() => answer(invitation.insee, 'accepted')}
                  >
                    Accepter
                  </button>
                  <button
                    type="button"
                    disabled={busy !== undefined}
                    onClick={() => answer(invitation.insee, 'declined')}
                  >
                    Refuser
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="button" disabled={busy !== undefined} onClick={() => onDone(current)}>
        Continuer
      </button>
    </main>
  );
}
