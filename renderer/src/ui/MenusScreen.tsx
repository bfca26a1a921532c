// « Menus » (Paramètres du site › Menus, SPEC [MENU-7]): the référent chooses the site's main
// menu (ordered entries, one level of sub-entries, 8 at the top) and the links added to the
// footer. Entries are reordered with buttons or by drag and drop (react-aria's GridList, which
// also drags with the keyboard); every change is written to the manifest's `menus` map.
import { GripVertical } from 'lucide-react';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { Button, GridList, GridListItem, useDragAndDrop } from 'react-aria-components';
import type * as Y from 'yjs';
import {
  addMenuEntry,
  defaultMainMenu,
  MENU_EXCLUDED_TYPES,
  MENU_LIST_TARGETS,
  MENU_MAX_TOP,
  type MenuEntry,
  type MenuName,
  menusMap,
  moveMenuEntry,
  readMenus,
  removeMenuEntry,
  renameMenuEntry,
  clearMenuEntryLabel,
  type SiteMenus,
} from '../../../site/menus';
import type { PageMeta } from '../../../site/siteDoc';
import { SelectField } from './forms/SelectField';
import { MenuRenameDialog } from './MenuRenameDialog';
import { dropTarget, type MenuRow, menuRows, previousTop } from './menuRows';
import { ROUTES } from './shell/routes';
import { useFocusOnMount } from './useFocusOnMount';

interface Props {
  manifest: Y.Doc;
  pages: readonly PageMeta[];
  readOnly: boolean;
}

/** The menus of the manifest, kept current. */
function useMenus(manifest: Y.Doc): SiteMenus {
  const [menus, setMenus] = useState(() => readMenus(manifest));
  useEffect(() => {
    const map = menusMap(manifest);
    const update = () => setMenus(readMenus(manifest));
    update();
    map.observeDeep(update);
    return () => map.unobserveDeep(update);
  }, [manifest]);
  return menus;
}

/** What the site shows while the référent has not chosen a main menu ([MENU-4]). */
export function editorDefaultMenu(pages: readonly PageMeta[]): MenuEntry[] {
  const published = new Set(pages.filter((p) => p.status === 'published').map((p) => p.id));
  return defaultMainMenu(
    pages.filter((p) => published.has(p.id) && (p.parentId === null || !published.has(p.parentId))),
  );
}

export function MenusScreen({ manifest, pages, readOnly }: Props) {
  const titleRef = useFocusOnMount<HTMLHeadingElement>();
  const menus = useMenus(manifest);
  const defaults = useMemo(() => editorDefaultMenu(pages), [pages]);
  const [message, setMessage] = useState('');
  const main = menus.mainChosen ? menus.main : defaults;
  return (
    <div className="screen menus-screen">
      <p className="screen-back">
        <a href={`#${ROUTES.settings}`}>Paramètres du site</a>
      </p>
      <h1 ref={titleRef} tabIndex={-1}>
        Menus
      </h1>
      {readOnly && <p className="notice">Seul le référent du site de la commune peut modifier les menus.</p>}
      <p role="status" className="menu-message">
        {message}
      </p>
      <MenuSection
        menu="main"
        title="Menu principal"
        entries={main}
        pages={pages}
        manifest={manifest}
        defaults={defaults}
        readOnly={readOnly}
        onMessage={setMessage}
        hint={
          menus.mainChosen
            ? `En haut de chaque page du site : ${MENU_MAX_TOP} entrées au plus, chacune avec ses sous-entrées.`
            : `Tant que vous ne l’avez pas modifié, ce menu reprend les pages publiées du premier niveau (sans les actualités, événements et actes). ${MENU_MAX_TOP} entrées au plus.`
        }
      />
      <MenuSection
        menu="footer"
        title="Pied de page"
        entries={menus.footer}
        pages={pages}
        manifest={manifest}
        defaults={defaults}
        readOnly={readOnly}
        onMessage={setMessage}
        hint="Les mentions légales, la déclaration d’accessibilité, les données personnelles, le plan du site et les listes (actualités, agenda, registre des actes, données ouvertes) y figurent toujours. Ajoutez-y d’autres liens."
      />
    </div>
  );
}

interface SectionProps {
  menu: MenuName;
  title: string;
  hint: string;
  entries: readonly MenuEntry[];
  pages: readonly PageMeta[];
  manifest: Y.Doc;
  defaults: readonly MenuEntry[];
  readOnly: boolean;
  onMessage: (text: string) => void;
}

function MenuSection(props: SectionProps) {
  const { menu, title, entries, pages, manifest, defaults, readOnly, onMessage } = props;
  const headingId = useId();
  const rows = useMemo(() => menuRows(entries, pages), [entries, pages]);
  const [renaming, setRenaming] = useState<MenuRow | null>(null);
  const rename = (row: MenuRow, label: string) => {
    // The label shown, kept: nothing written (a page entry keeps following its page's title).
    if (label.trim() === row.label) return '';
    const problem = renameMenuEntry(manifest, row.id, label, defaults);
    if (!problem) onMessage(`« ${row.label} » renommée « ${label.trim()} ».`);
    return problem;
  };
  const useOwnTitle = (row: MenuRow) => {
    const problem = clearMenuEntryLabel(manifest, row.id, defaults);
    if (!problem) onMessage(`« ${row.label} » reprend le titre « ${row.ownTitle ?? ''} ».`);
    return problem;
  };
  const move = (row: MenuRow, to: { parentId: string | null; index: number }, done: string) => {
    const problem = moveMenuEntry(manifest, row.id, to, defaults);
    onMessage(problem || done);
  };
  const { dragAndDropHooks } = useDragAndDrop({
    getItems: (keys) =>
      [...keys].map((key) => ({ 'text/plain': rows.find((r) => r.id === key)?.label ?? '' })),
    onReorder: (event) => {
      const [key] = [...event.keys];
      const row = rows.find((r) => r.id === key);
      const to = row ? dropTarget(rows, row.id, String(event.target.key), event.target.dropPosition) : null;
      if (row && to) move(row, to, `« ${row.label} » déplacée.`);
    },
  });
  const listLabel = menu === 'main' ? 'Entrées du menu principal' : 'Liens ajoutés au pied de page';
  return (
    <section className="card menu-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p className="hint">{props.hint}</p>
      <GridList
        aria-label={listLabel}
        items={rows}
        className="menu-list"
        dragAndDropHooks={readOnly ? undefined : dragAndDropHooks}
        renderEmptyState={() => <p className="menu-empty">Aucune entrée.</p>}
      >
        {(row) => (
          <GridListItem id={row.id} textValue={row.label} className={`menu-row level-${row.level}`}>
            {!readOnly && (
              <Button slot="drag" className="menu-drag" aria-label={`Glisser « ${row.label} »`}>
                <GripVertical aria-hidden="true" size={18} />
              </Button>
            )}
            <span className="menu-text">
              <span className="menu-label">{row.label}</span>
              <span className={`menu-detail${row.online ? '' : ' menu-offline'}`}>{row.detail}</span>
            </span>
            {!readOnly && (
              <RowActions
                row={row}
                rows={rows}
                menu={menu}
                onMove={move}
                onRename={() => setRenaming(row)}
                onRemove={() => {
                  removeMenuEntry(manifest, row.id, defaults);
                  onMessage(`« ${row.label} » retirée du menu.`);
                }}
              />
            )}
          </GridListItem>
        )}
      </GridList>
      {!readOnly && (
        <MenuRenameDialog
          row={renaming}
          onRename={rename}
          onUseOwnTitle={useOwnTitle}
          onClose={() => setRenaming(null)}
        />
      )}
      {!readOnly && (
        <AddEntryForm
          menu={menu}
          entries={entries}
          pages={pages}
          manifest={manifest}
          defaults={defaults}
          onMessage={onMessage}
        />
      )}
    </section>
  );
}

function RowActions(props: {
  row: MenuRow;
  rows: readonly MenuRow[];
  menu: MenuName;
  onMove: (row: MenuRow, to: { parentId: string | null; index: number }, done: string) => void;
  onRename: () => void;
  onRemove: () => void;
}) {
  const { row, rows, menu, onMove } = props;
  const parent = previousTop(rows, row);
  const parentRow = rows.find((r) => r.id === row.parentId);
  return (
    <span className="menu-actions">
      <button
        type="button"
        className="small"
        disabled={row.index === 0}
        onClick={() =>
          onMove(
            row,
            { parentId: row.parentId, index: row.index - 1 },
            `« ${row.label} » montée en position ${row.index}.`,
          )
        }
      >
        Monter
      </button>
      <button
        type="button"
        className="small"
        disabled={row.index === row.count - 1}
        onClick={() =>
          onMove(
            row,
            { parentId: row.parentId, index: row.index + 1 },
            `« ${row.label} » descendue en position ${row.index + 2}.`,
          )
        }
      >
        Descendre
      </button>
      {menu === 'main' && row.level === 0 && (
        <button
          type="button"
          className="small"
          disabled={!parent || row.hasChildren}
          onClick={() =>
            parent &&
            onMove(
              row,
              { parentId: parent.id, index: Number.MAX_SAFE_INTEGER },
              `« ${row.label} » placée sous « ${parent.label} ».`,
            )
          }
        >
          Mettre en sous-entrée
        </button>
      )}
      {menu === 'main' && row.level === 1 && parentRow && (
        <button
          type="button"
          className="small"
          onClick={() =>
            onMove(
              row,
              { parentId: null, index: parentRow.index + 1 },
              `« ${row.label} » remise au premier niveau.`,
            )
          }
        >
          Remettre au premier niveau
        </button>
      )}
      <button type="button" className="small" aria-haspopup="dialog" onClick={props.onRename}>
        Renommer
      </button>
      <button type="button" className="small" onClick={props.onRemove}>
        Retirer
      </button>
    </span>
  );
}

function AddEntryForm(props: {
  menu: MenuName;
  entries: readonly MenuEntry[];
  pages: readonly PageMeta[];
  manifest: Y.Doc;
  defaults: readonly MenuEntry[];
  onMessage: (text: string) => void;
}) {
  const { menu, entries, pages, manifest, defaults, onMessage } = props;
  const id = useId();
  const [choice, setChoice] = useState('');
  const [url, setUrl] = useState('');
  const [label, setLabel] = useState('');
  const [parentId, setParentId] = useState('');
  const [problem, setProblem] = useState('');
  const isLink = choice === 'link';
  const choosable = pages.filter((p) => !MENU_EXCLUDED_TYPES.has(p.type) || p.type === 'accueil');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const [kind, target] = isLink
      ? ['link', url]
      : [choice.slice(0, choice.indexOf(':')), choice.slice(choice.indexOf(':') + 1)];
    if (!choice) {
      setProblem('Choisissez une page ou un lien.');
      return;
    }
    const result = addMenuEntry(
      manifest,
      {
        menu,
        kind: kind as 'page' | 'list' | 'link',
        target: target ?? '',
        label,
        parentId: parentId || null,
      },
      defaults,
    );
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setProblem('');
    setChoice('');
    setUrl('');
    setLabel('');
    onMessage(menu === 'main' ? 'Entrée ajoutée au menu principal.' : 'Lien ajouté au pied de page.');
  };
  return (
    <form className="menu-add" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>{menu === 'main' ? 'Ajouter une entrée' : 'Ajouter un lien'}</h3>
      <div className="menu-add-fields">
        <div className="field">
          <SelectField
            label="Page ou lien"
            value={choice}
            placeholder="Choisir…"
            options={[
              ...choosable.map((p) => ({
                value: `page:${p.id}`,
                label: (p.title || 'Page sans titre') + (p.status === 'published' ? '' : ' (non publiée)'),
                section: 'Pages du site',
              })),
              ...MENU_LIST_TARGETS.map((t) => ({
                value: `list:${t.slug}`,
                label: t.title,
                section: 'Listes et pages générées',
              })),
              { value: 'link', label: 'Lien vers un autre site…' },
            ]}
            onChange={setChoice}
          />
        </div>
        {isLink && (
          <div className="field">
            <label htmlFor={`${id}-url`}>Adresse du lien</label>
            <input
              id={`${id}-url`}
              type="url"
              value={url}
              placeholder="https://"
              onChange={(e) => setUrl(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-label`}>{isLink ? 'Libellé' : 'Libellé (facultatif)'}</label>
          <input
            id={`${id}-label`}
            type="text"
            maxLength={80}
            value={label}
            aria-describedby={isLink ? undefined : `${id}-label-hint`}
            onChange={(e) => setLabel(e.target.value)}
          />
          {!isLink && (
            <p id={`${id}-label-hint`} className="hint">
              Sinon, le titre de la page.
            </p>
          )}
        </div>
        {menu === 'main' && (
          <div className="field">
            <SelectField
              label="Emplacement"
              value={parentId}
              options={[
                { value: '', label: 'Au premier niveau' },
                ...menuRows(entries, pages)
                  .filter((r) => r.level === 0)
                  .map((r) => ({ value: r.id, label: `Sous « ${r.label} »` })),
              ]}
              onChange={setParentId}
            />
          </div>
        )}
      </div>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <button type="submit" className="primary">
        {menu === 'main' ? 'Ajouter au menu principal' : 'Ajouter au pied de page'}
      </button>
    </form>
  );
}
