/**
 * The one authorization policy of the server: what an identity may do in a commune. Every
 * route and the sync upgrade ask it; none decides by reading roles itself.
 *
 * | action            | admin | référent | agent | relecteur | no role |
 * |-------------------|-------|----------|-------|-----------|---------|
 * | read              | yes   | yes      | yes   | yes       | no      |
 * | edit              | yes   | yes      | yes   | no        | no      |
 * | publish           | yes   | yes      | no    | no        | no      |
 * | manage-members    | yes   | yes (1)  | no    | no        | no      |
 *
 * (1) agents and relecteurs only: a référent neither makes nor changes another référent.
 * `edit` covers the documents (a relecteur's sync connection is read-only; it may only add its
 * own comments, checked by `sync/commentGuard.ts`) and the media files.
 */
import type { Role } from '../../site/apiContract';

export type CommuneAction = 'read' | 'edit' | 'publish' | 'manage-members';

export type Refusal = 'not-member' | 'role';

export type Decision = { allowed: true } | { allowed: false; refusal: Refusal };

/** For `manage-members`: the role being given, and the member's current one. */
export interface MemberChange {
  role?: Role;
  currentRole?: Role;
}

const ALLOWED: Decision = { allowed: true };
const NOT_MEMBER: Decision = { allowed: false, refusal: 'not-member' };
const ROLE: Decision = { allowed: false, refusal: 'role' };

/** Who asks: the Métropole's flag and the roles per commune (an `AgentIdentity` is one). */
export interface Caller {
  admin: boolean;
  communes: ReadonlyArray<{ insee: string; role: Role }>;
}

export function roleIn(identity: Pick<Caller, 'communes'>, insee: string): Role | undefined {
  return identity.communes.find((c) => c.insee === insee)?.role;
}

export function authorize(
  identity: Caller,
  insee: string,
  action: CommuneAction,
  change: MemberChange = {},
): Decision {
  if (identity.admin) return ALLOWED;
  const role = roleIn(identity, insee);
  if (!role) return NOT_MEMBER;
  switch (action) {
    case 'read':
      return ALLOWED;
    case 'edit':
      return role === 'relecteur' ? ROLE : ALLOWED;
    case 'publish':
      return role === 'referent' ? ALLOWED : ROLE;
    case 'manage-members':
      return role === 'referent' && change.role !== 'referent' && change.currentRole !== 'referent'
        ? ALLOWED
        : ROLE;
  }
}

export const allows = (...args: Parameters<typeof authorize>): boolean => authorize(...args).allowed;
