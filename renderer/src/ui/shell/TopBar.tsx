// The 48 px top bar, in this order: where you are, the sync status (one short phrase and a
// dot that is never the only signal), search pages by title, the user menu. It never wraps:
// the breadcrumb is the part that shortens. Messages never go here (see Banners).
import { ChevronDown, CircleHelp, LogOut, Search } from 'lucide-react';
import { useSyncExternalStore } from 'react';
import {
  Button,
  ComboBox,
  Header,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Menu,
  MenuItem,
  MenuSection,
  MenuTrigger,
  Popover,
} from 'react-aria-components';
import { useLocation } from 'wouter';
import type { Role } from '../../../../site/apiContract';
import type { PageMeta } from '../../../../site/siteDoc';
import type { SyncClient } from '../../sync/SyncClient';
import { pendingWorkOf, syncStatusText } from '../../sync/syncStatus';
import { navEntryOf, OTHER_SCREEN_LABELS, pageRoute, ROUTES } from './routes';

export interface UserInfo {
  displayName: string;
  role: Role;
  onLogout: () => void;
}

const ROLE_FR: Record<Role, string> = {
  referent: 'Référent du site',
  agent: 'Agent',
  relecteur: 'Relecteur',
};

interface Props {
  sync: SyncClient;
  user: UserInfo;
  pages: readonly PageMeta[];
  currentPage?: PageMeta;
}

export function TopBar({ sync, user, pages, currentPage }: Props) {
  return (
    <header className="top-bar">
      <Breadcrumb currentPage={currentPage} />
      <SyncStatusPill sync={sync} />
      <PageSearch pages={pages} />
      <UserMenu user={user} />
    </header>
  );
}

function Breadcrumb({ currentPage }: { currentPage?: PageMeta }) {
  const [location] = useLocation();
  const entry = navEntryOf(location);
  const onPage = location.startsWith(`${ROUTES.pages}/`);
  return (
    <nav aria-label="Fil d’Ariane" className="breadcrumb">
      <ol>
        {onPage ? (
          <>
            <li>
              <a href={`#${ROUTES.pages}`}>Pages</a>
            </li>
            <li aria-current="page">{currentPage?.title || 'Page sans titre'}</li>
          </>
        ) : (
          <li aria-current="page">{entry?.label ?? OTHER_SCREEN_LABELS[location] ?? 'Tableau de bord'}</li>
        )}
      </ol>
    </nav>
  );
}

/** The site's sync status, right at once (browser events, socket closes, server acks). */
export function SyncStatusPill({ sync }: { sync: SyncClient }) {
  const { status, pendingRooms } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const text = syncStatusText(status, pendingWorkOf(pendingRooms));
  return (
    <p
      role="status"
      aria-label="État de l’enregistrement"
      aria-live="polite"
      className={`sync-status sync-${status.kind}`}
      title={text}
    >
      <span className="sync-dot" aria-hidden="true" />
      <span className="sync-text">{text}</span>
    </p>
  );
}

function normalized(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Search pages by title; choosing one opens it. */
function PageSearch({ pages }: { pages: readonly PageMeta[] }) {
  const [, navigate] = useLocation();
  const items = pages.map((p) => ({ id: p.id, title: p.title || 'Page sans titre' }));
  return (
    <ComboBox
      className="page-search"
      items={items}
      menuTrigger="input"
      defaultFilter={(text, input) => normalized(text).includes(normalized(input.trim()))}
      onSelectionChange={(key) => {
        if (key !== null) navigate(pageRoute(String(key)));
      }}
    >
      <Label className="visually-hidden">Rechercher une page</Label>
      <div className="search-field">
        <Search aria-hidden="true" size={16} />
        <Input placeholder="Aller à une page…" />
      </div>
      <Popover className="popover" placement="bottom end">
        <ListBox
          className="listbox"
          renderEmptyState={() => <p className="empty">Aucune page de ce titre.</p>}
        >
          {(item: { id: string; title: string }) => (
            <ListBoxItem id={item.id} textValue={item.title} className="listbox-item">
              {item.title}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </ComboBox>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

function UserMenu({ user }: { user: UserInfo }) {
  const [, navigate] = useLocation();
  return (
    <MenuTrigger>
      <Button className="user-button">
        {/* The initials are drawn by CSS: the button's name is the agent's name, as shown. */}
        <span className="avatar" aria-hidden="true" data-initials={initials(user.displayName)} />
        <span className="user-name">{user.displayName}</span>
        <ChevronDown aria-hidden="true" size={16} />
      </Button>
      <Popover className="popover" placement="bottom end">
        <Menu
          className="menu"
          onAction={(key) => {
            if (key === 'logout') user.onLogout();
            if (key === 'help') navigate(ROUTES.help);
          }}
        >
          <MenuSection>
            <Header className="menu-header">
              <strong>{user.displayName}</strong>
              <span>{ROLE_FR[user.role]}</span>
            </Header>
            <MenuItem id="help" className="menu-item">
              <CircleHelp aria-hidden="true" size={16} />À propos et aide
            </MenuItem>
            <MenuItem id="logout" className="menu-item">
              <LogOut aria-hidden="true" size={16} />
              Se déconnecter
            </MenuItem>
          </MenuSection>
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
