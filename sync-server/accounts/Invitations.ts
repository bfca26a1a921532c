/**
 * Invitations to join a commune (issue #9, finding 7): a référent does not attach an account to
 * their commune, they invite an e-mail address; the account holder sees the invitation after
 * logging in and accepts or declines it. Table `agent_invitations` of an InvitationStore
 * (DATA_DIR's SQLite, or PostgreSQL with DATABASE_URL), one pending invitation per (e-mail,
 * commune); the newest replaces the older one. Invitations expire after
 * `INVITATION_TTL_MS`.
 */
import type { Role } from '../../site/apiContract';
import type { InvitationRecord, InvitationStore } from '../storage/InvitationStore';

export const INVITATION_TTL_MS = 30 * 86_400_000;
/** Pending invitations a commune may hold at once (a bound on what a référent can store). */
export const MAX_PENDING_PER_COMMUNE = 500;

export type Invitation = InvitationRecord;

export class Invitations {
  private readonly store: InvitationStore;
  private readonly now: () => number;

  constructor(store: InvitationStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  private get oldest(): number {
    return this.now() - INVITATION_TTL_MS;
  }

  /** Records (or renews) an invitation. False when the commune already holds too many. */
  put(email: string, insee: string, role: Role, invitedBy: string | null): Promise<boolean> {
    return this.store.put(
      { email, insee, role, invitedBy, createdAt: this.now() },
      this.oldest,
      MAX_PENDING_PER_COMMUNE,
    );
  }

  /** Pending invitations of one e-mail address, oldest first. */
  forEmail(email: string): Promise<Invitation[]> {
    return this.store.forEmail(email, this.oldest);
  }

  /** Pending invitations of one commune, oldest first. */
  forCommune(insee: string): Promise<Invitation[]> {
    return this.store.forCommune(insee, this.oldest);
  }

  /** Removes and returns a pending invitation, if there is one. */
  take(email: string, insee: string): Promise<Invitation | undefined> {
    return this.store.take(email, insee, this.oldest);
  }
}
