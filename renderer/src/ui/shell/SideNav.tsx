// The persistent side navigation: the commune's name and logo, « Nouvelle page », and one
// link per screen. Below 1200 px it shrinks to 64 px of icons; each link keeps its full
// name (visually hidden text) and shows it as a tooltip on hover and keyboard focus.
import { Plus } from 'lucide-react';
import { type ReactNode, useEffect, useState } from 'react';
import { Focusable, Tooltip, TooltipTrigger } from 'react-aria-components';
import { useLocation } from 'wouter';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../../site/apiContract';
import { type PageMeta, settingsMap } from '../../../../site/siteDoc';
import { useMediaUrl } from '../../media/useMediaUrl';
import { NewPageForm, type NewPageRequest } from '../NewPageForm';
import type { SessionMedia } from '../Workspace';
import { NAV_ENTRIES, navEntryOf } from './routes';

interface Props {
  commune: CommuneRef;
  manifest?: Y.Doc;
  media?: SessionMedia;
  pages: readonly PageMeta[];
  onCreatePage?: (request: NewPageRequest) => Promise<void>;
  footer?: ReactNode;
}

export function SideNav({ commune, manifest, media, pages, onCreatePage, footer }: Props) {
  const [location] = useLocation();
  const current = navEntryOf(location);
  return (
    <nav aria-label="Navigation de l’éditeur" className="side-nav">
      <div className="side-brand">
        {manifest && media ? (
          <CommuneLogo manifest={manifest} media={media} initial={commune.name.charAt(0)} />
        ) : (
          <span className="logo-placeholder" aria-hidden="true" data-initial={commune.name.charAt(0)} />
        )}
        <span className="side-commune">{commune.name}</span>
      </div>
      {onCreatePage && <NewPageForm pages={pages} onCreate={onCreatePage} />}
      <ul className="side-links">
        {NAV_ENTRIES.map((entry) => {
          const Icon = entry.icon;
          const isCurrent = current?.path === entry.path;
          return (
            <li key={entry.path}>
              <TooltipTrigger delay={300} closeDelay={0}>
                <Focusable>
                  <a
                    href={`#${entry.path}`}
                    className="side-link"
                    aria-current={isCurrent ? (location === entry.path ? 'page' : 'location') : undefined}
                  >
                    <Icon aria-hidden="true" size={20} />
                    <span className="side-label">{entry.label}</span>
                  </a>
                </Focusable>
                <Tooltip placement="right" offset={8} className="tooltip side-tooltip">
                  {entry.label}
                </Tooltip>
              </TooltipTrigger>
            </li>
          );
        })}
      </ul>
      {footer && <div className="side-footer">{footer}</div>}
    </nav>
  );
}

/** The commune's logo from its settings, read from this computer; its initial without one. */
function CommuneLogo({
  manifest,
  media,
  initial,
}: {
  manifest: Y.Doc;
  media: SessionMedia;
  initial: string;
}) {
  const [sha, setSha] = useState<string | undefined>(() => logoOf(manifest));
  useEffect(() => {
    const settings = settingsMap(manifest);
    const update = () => setSha(logoOf(manifest));
    settings.observe(update);
    return () => settings.unobserve(update);
  }, [manifest]);
  const url = useMediaUrl(media.store, sha);
  return url ? (
    <img src={url} alt="" className="side-logo" />
  ) : (
    <span className="logo-placeholder" aria-hidden="true" data-initial={initial} />
  );
}

function logoOf(manifest: Y.Doc): string | undefined {
  const value = settingsMap(manifest).get('logo');
  return typeof value === 'string' && value ? value : undefined;
}

export const NEW_PAGE_ICON = Plus;
