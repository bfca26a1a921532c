/**
 * The route table of the JSON API: one line per route of `API_ROUTES` (site/apiContract.ts),
 * saying who may call it — checked by the gate (access.ts) with the one authorization policy
 * before the handler runs — and which handler answers. The type requires every route of the
 * contract, and no other; the router (router.ts) matches them.
 */
import type { ApiRouteName } from '../../site/apiContract';
import type { Admin } from '../accounts/adminOperations';
import type { PageSnapshots } from '../publishing/PageSnapshots';
import { adminRoutes, type AdminRoutesOptions } from './adminRoutes';
import { addressRoutes } from './addressRoutes';
import { ERRORS } from './apiErrors';
import { authRoutes, type AuthRoutesOptions } from './authRoutes';
import { communeRoutes, type CommuneRoutesOptions } from './communeRoutes';
import { RELECTEUR_CANNOT_ADD, RELECTEUR_CANNOT_DELETE, type MediaRoutes } from './mediaRoutes';
import { memberRoutes } from './memberRoutes';
import { pageReleaseRoutes } from './pageReleaseRoutes';
import { publishingRoutes } from './publishingRoutes';
import type { Access, ServerRoute } from './routeTypes';
import { snapshotRoutes } from './snapshotRoutes';
import { syncBatchRoutes, type SyncBatchRoutesOptions } from './syncBatchRoutes';

export type RouteTable = { readonly [K in ApiRouteName]: ServerRoute };

export interface RouteTableOptions
  extends AuthRoutesOptions, CommuneRoutesOptions, AdminRoutesOptions, SyncBatchRoutesOptions {
  admin: Admin;
  snapshots: PageSnapshots;
  media: MediaRoutes;
}

const PUBLIC = { kind: 'public' } as const;
const SIGNED_IN = { kind: 'signed-in' } as const;
const ADMIN = { kind: 'admin' } as const;
const ADMIN_OF_COMMUNE = { kind: 'admin', commune: true } as const;
const commune = (
  action: 'read' | 'edit' | 'publish' | 'manage-members',
  refused?: () => ReturnType<typeof ERRORS.forbidden>,
) => ({ kind: 'commune', action, refused }) satisfies Access;
const MEMBER = commune('read');
const MANAGER = commune('manage-members', ERRORS.referentOnly);

export function routeTable(options: RouteTableOptions): RouteTable {
  const auth = authRoutes(options);
  const members = memberRoutes(options);
  const site = communeRoutes(options);
  const publishing = publishingRoutes(options);
  const pages = pageReleaseRoutes(options);
  const snapshots = snapshotRoutes(options);
  const addresses = addressRoutes(options);
  const admin = adminRoutes(options);
  const batch = syncBatchRoutes(options);
  const { media } = options;
  return {
    login: { access: PUBLIC, json: auth.login },
    refresh: { access: PUBLIC, json: auth.refresh },
    logout: { access: PUBLIC, json: auth.logout },
    me: { access: SIGNED_IN, json: auth.me },
    myInvitations: { access: SIGNED_IN, json: members.myInvitations },
    answerInvitation: { access: SIGNED_IN, json: members.answerInvitation },
    // The role given and the member's current one are checked by the handler (policy rule).
    listMembers: { access: MANAGER, json: members.listMembers },
    addMember: { access: MEMBER, json: members.addMember },
    changeMemberRole: { access: MEMBER, json: members.changeMemberRole },
    removeMember: { access: MEMBER, json: members.removeMember },
    docs: { access: MEMBER, json: site.docs },
    syncRooms: { access: MEMBER, stream: batch.syncRooms },
    publish: { access: commune('publish', ERRORS.publishForbidden), json: site.publish },
    publication: { access: MEMBER, json: site.publication },
    publications: { access: MEMBER, json: publishing.publications },
    rollback: { access: commune('publish', ERRORS.publicationChangeForbidden), json: publishing.rollback },
    listScheduled: { access: MEMBER, json: publishing.listScheduled },
    schedule: { access: commune('publish', ERRORS.publicationChangeForbidden), json: publishing.schedule },
    cancelScheduled: {
      access: commune('publish', ERRORS.publicationChangeForbidden),
      json: publishing.cancelScheduled,
    },
    pageStatuses: { access: MEMBER, json: pages.pageStatuses },
    releasePage: { access: commune('publish', ERRORS.pageReleaseForbidden), json: pages.releasePage },
    withdrawPage: { access: commune('publish', ERRORS.pageReleaseForbidden), json: pages.withdrawPage },
    pageSnapshots: { access: MEMBER, json: snapshots.pageSnapshots },
    pageSnapshot: { access: MEMBER, json: snapshots.pageSnapshot },
    pageAddresses: { access: MEMBER, json: addresses.pageAddresses },
    exportCommune: { access: MANAGER, json: site.exportCommune },
    communeAudit: { access: MANAGER, json: site.communeAudit },
    readMedia: { access: MEMBER, stream: media.readMedia },
    checkMedia: { access: MEMBER, stream: media.checkMedia },
    storeMedia: { access: commune('edit', RELECTEUR_CANNOT_ADD), stream: media.storeMedia },
    deleteMedia: { access: commune('edit', RELECTEUR_CANNOT_DELETE), stream: media.deleteMedia },
    adminCommunes: { access: ADMIN, json: admin.adminCommunes },
    adminAudit: { access: ADMIN, json: admin.adminAudit },
    adminBackup: { access: ADMIN, json: admin.adminBackup },
    adminAgentAction: { access: ADMIN, json: admin.adminAgentAction },
    adminDeleteCommuneData: { access: ADMIN_OF_COMMUNE, json: admin.adminDeleteCommuneData },
    adminRepairPage: { access: ADMIN_OF_COMMUNE, json: admin.adminRepairPage },
  };
}
