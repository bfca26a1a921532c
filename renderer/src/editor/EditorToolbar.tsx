// The page body's toolbar and shortcuts: paragraph / h2–h4, bold, italic, lists, quote,
// link (URL checked), table, image, callout, link to a PDF, undo/redo of this agent's own
// edits (the Yjs UndoManager the CollaborationPlugin installs: other agents' edits are never
// undone). The dialogs of the rich blocks are opened from here.
import { $isLinkNode, $toggleLink } from '@lexical/link';
import {
  $isListNode,
  INSERT_ORDERED_LIST_COMMAND,
  INSERT_UNORDERED_LIST_COMMAND,
  ListNode,
  REMOVE_LIST_COMMAND,
} from '@lexical/list';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $createHeadingNode, $createQuoteNode, $isHeadingNode, $isQuoteNode } from '@lexical/rich-text';
import { $setBlocksType } from '@lexical/selection';
import { $getNearestNodeOfType, mergeRegister } from '@lexical/utils';
import {
  $createParagraphNode,
  $getNodeByKey,
  $getSelection,
  $isRangeSelection,
  $setSelection,
  type BaseSelection,
  CAN_REDO_COMMAND,
  CAN_UNDO_COMMAND,
  COMMAND_PRIORITY_LOW,
  FORMAT_TEXT_COMMAND,
  KEY_DOWN_COMMAND,
  PASTE_COMMAND,
  REDO_COMMAND,
  UNDO_COMMAND,
} from 'lexical';
import {
  Fragment,
  type KeyboardEvent as ReactKeyboardEvent,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import {
  BetweenHorizontalEnd,
  BetweenVerticalEnd,
  Bold,
  Columns3,
  Ellipsis,
  FileText,
  Heading2,
  Heading3,
  Heading4,
  ImagePlus,
  Info,
  Italic,
  Link,
  List,
  ListOrdered,
  type LucideIcon,
  Pilcrow,
  Quote,
  Redo2,
  Rows3,
  Table,
  Trash2,
  TriangleAlert,
  Undo2,
} from 'lucide-react';
import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import { $createCalloutNode, $isCalloutNode } from '../../../site/bodyNodes/CalloutNode';
import { $isImageNode, type ImageData } from '../../../site/bodyNodes/ImageNode';
import type { BodyMedia } from './bodyMedia';
import { FileLinkDialog } from './FileLinkDialog';
import { ImageDialog } from './ImageDialog';
import { checkedUrl, isMediaLink, registerPasteCleanup } from './pasteCleanup';
import {
  $editTable,
  $insertFileLink,
  $insertImage,
  $insertTable,
  $isInTable,
  $updateImage,
  type TableEdit,
} from './richBody';
import { EDIT_IMAGE_COMMAND } from './richCommands';
import { TableDialog } from './TableDialog';

export const PASTED_IMAGES_NOTICE =
  'Les images collées ne sont pas reprises : ajoutez-les avec le bouton « Image » (avec leur texte alternatif).';

export type BlockKind =
  'paragraph' | 'h2' | 'h3' | 'h4' | 'quote' | 'callout' | 'callout-important' | 'bullet' | 'number';

/** The dialog open over the toolbar, with the selection to restore when it is done. */
type Dialog =
  | { kind: 'table' }
  | { kind: 'image'; edit?: { key: string; data: ImageData } }
  | { kind: 'file'; text: string };

interface ToolbarState {
  block: BlockKind;
  bold: boolean;
  italic: boolean;
  link: string | null;
  inTable: boolean;
}

const INITIAL: ToolbarState = { block: 'paragraph', bold: false, italic: false, link: null, inTable: false };

function sameToolbarState(a: ToolbarState, b: ToolbarState): boolean {
  return (
    a.block === b.block &&
    a.bold === b.bold &&
    a.italic === b.italic &&
    a.link === b.link &&
    a.inTable === b.inTable
  );
}

function $readState(): ToolbarState {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return INITIAL;
  const anchor = selection.anchor.getNode();
  const top = anchor.getKey() === 'root' ? anchor : anchor.getTopLevelElementOrThrow();
  let block: BlockKind = 'paragraph';
  if ($isHeadingNode(top)) {
    const tag = top.getTag();
    block = tag === 'h3' || tag === 'h4' ? tag : 'h2';
  } else if ($isQuoteNode(top)) block = 'quote';
  else if ($isCalloutNode(top)) block = top.getVariant() === 'important' ? 'callout-important' : 'callout';
  else if ($isListNode(top)) {
    const list = $getNearestNodeOfType(anchor, ListNode) ?? top;
    block = list.getListType() === 'number' ? 'number' : 'bullet';
  }
  const parent = anchor.getParent();
  const link = $isLinkNode(parent) ? parent.getURL() : $isLinkNode(anchor) ? anchor.getURL() : null;
  return {
    block,
    bold: selection.hasFormat('bold'),
    italic: selection.hasFormat('italic'),
    link,
    inTable: $isInTable(),
  };
}

export function EditorToolbar({ disabled, media }: { disabled: boolean; media: BodyMedia | null }) {
  const [editor] = useLexicalComposerContext();
  const [state, setState] = useState<ToolbarState>(INITIAL);
  const [canUndo, setCanUndo] = useState(false);
  const [canRedo, setCanRedo] = useState(false);
  const [linkForm, setLinkForm] = useState<{ selection: BaseSelection | null; initial: string } | null>(null);
  const [dialog, setDialog] = useState<(Dialog & { selection: BaseSelection | null }) | null>(null);
  const [notice, setNotice] = useState('');

  /** Opens a dialog, remembering where the caret was. */
  const openDialog = useCallback(
    (next: Dialog | ((selectedText: string) => Dialog)) => {
      editor.getEditorState().read(() => {
        const selection = $getSelection();
        const text = $isRangeSelection(selection) ? selection.getTextContent() : '';
        setNotice('');
        setDialog({
          ...(typeof next === 'function' ? next(text) : next),
          selection: selection ? selection.clone() : null,
        });
      });
    },
    [editor],
  );

  /** Closes the dialog and runs `fn` (an editor update) at the remembered caret. */
  const closeDialog = useCallback(
    (fn?: () => void) => {
      const saved = dialog?.selection ?? null;
      setDialog(null);
      if (fn)
        editor.update(() => {
          if (saved) $setSelection(saved.clone());
          fn();
        });
      editor.focus();
    },
    [editor, dialog],
  );

  const setBlock = useCallback(
    (kind: BlockKind) => {
      if (kind === 'bullet' || kind === 'number') {
        editor.dispatchCommand(
          state.block === kind
            ? REMOVE_LIST_COMMAND
            : kind === 'bullet'
              ? INSERT_UNORDERED_LIST_COMMAND
              : INSERT_ORDERED_LIST_COMMAND,
          undefined,
        );
        return;
      }
      editor.update(() => {
        const selection = $getSelection();
        if (!$isRangeSelection(selection)) return;
        const current = $readState().block;
        const target = current === kind ? 'paragraph' : kind;
        $setBlocksType(selection, () =>
          target === 'paragraph'
            ? $createParagraphNode()
            : target === 'quote'
              ? $createQuoteNode()
              : target === 'callout' || target === 'callout-important'
                ? $createCalloutNode(target === 'callout' ? 'info' : 'important')
                : $createHeadingNode(target),
        );
      });
    },
    [editor, state.block],
  );

  const openLinkForm = useCallback(() => {
    editor.getEditorState().read(() => {
      const selection = $getSelection();
      setLinkForm({ selection: selection ? selection.clone() : null, initial: $readState().link ?? '' });
    });
  }, [editor]);

  useEffect(
    () =>
      mergeRegister(
        registerPasteCleanup(editor),
        // Kept as is when nothing shown changed: a keystroke does not re-render the toolbar.
        editor.registerUpdateListener(({ editorState }) =>
          editorState.read(() => {
            const next = $readState();
            setState((previous) => (sameToolbarState(previous, next) ? previous : next));
          }),
        ),
        editor.registerCommand(CAN_UNDO_COMMAND, (v) => (setCanUndo(v), false), COMMAND_PRIORITY_LOW),
        editor.registerCommand(CAN_REDO_COMMAND, (v) => (setCanRedo(v), false), COMMAND_PRIORITY_LOW),
        editor.registerCommand(
          EDIT_IMAGE_COMMAND,
          (key) => {
            const node = $getNodeByKey(key);
            if (!$isImageNode(node)) return false;
            setNotice('');
            setDialog({ kind: 'image', edit: { key, data: node.getData() }, selection: null });
            return true;
          },
          COMMAND_PRIORITY_LOW,
        ),
        // Pasted images are dropped (no alt text, a file path of the agent's computer): say so.
        editor.registerCommand(
          PASTE_COMMAND,
          (event) => {
            const html =
              event instanceof ClipboardEvent ? (event.clipboardData?.getData('text/html') ?? '') : '';
            setNotice(/<img\b/i.test(html) ? PASTED_IMAGES_NOTICE : '');
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
        editor.registerCommand(
          KEY_DOWN_COMMAND,
          (event: KeyboardEvent) => {
            const mod = event.ctrlKey || event.metaKey;
            if (!mod) return false;
            const shortcuts: Record<string, () => void> = {};
            if (event.altKey) {
              shortcuts.Digit0 = () => setBlock('paragraph');
              shortcuts.Digit2 = () => setBlock('h2');
              shortcuts.Digit3 = () => setBlock('h3');
              shortcuts.Digit4 = () => setBlock('h4');
              shortcuts.KeyT = () => openDialog({ kind: 'table' });
              shortcuts.KeyC = () => setBlock(event.shiftKey ? 'callout-important' : 'callout');
              if (media) {
                shortcuts.KeyI = () => openDialog({ kind: 'image' });
                shortcuts.KeyF = () => openDialog((text) => ({ kind: 'file', text }));
              }
            } else if (event.shiftKey) {
              shortcuts.Digit7 = () => setBlock('number');
              shortcuts.Digit8 = () => setBlock('bullet');
              shortcuts.Digit9 = () => setBlock('quote');
            } else {
              shortcuts.KeyK = openLinkForm;
            }
            const run = shortcuts[event.code];
            if (!run) return false;
            event.preventDefault();
            run();
            return true;
          },
          COMMAND_PRIORITY_LOW,
        ),
      ),
    [editor, setBlock, openLinkForm, openDialog, media],
  );

  const tableButtons: Array<{ text: string; edit: TableEdit; icon: LucideIcon }> = [
    { text: 'Ajouter une ligne', edit: 'row-below', icon: BetweenHorizontalEnd },
    { text: 'Ajouter une colonne', edit: 'column-right', icon: BetweenVerticalEnd },
    { text: 'Supprimer la ligne', edit: 'delete-row', icon: Rows3 },
    { text: 'Supprimer la colonne', edit: 'delete-column', icon: Columns3 },
    { text: 'Supprimer le tableau', edit: 'delete-table', icon: Trash2 },
  ];

  const buttons: Array<{
    label: string;
    shortcut: string;
    pressed?: boolean;
    onClick: () => void;
    text: string;
    icon: LucideIcon;
    needsMedia?: boolean;
    /** Rare: in the « Plus d’outils » menu rather than on the toolbar's row. */
    overflow?: boolean;
    /** Starts a new group of the toolbar (a thin separator before it). */
    group?: boolean;
  }> = [
    {
      text: 'Paragraphe',
      label: 'Paragraphe',
      icon: Pilcrow,

      shortcut: 'Control+Alt+0',
      pressed: state.block === 'paragraph',
      onClick: () => setBlock('paragraph'),
    },
    {
      text: 'Titre 2',
      label: 'Titre 2',
      icon: Heading2,

      shortcut: 'Control+Alt+2',
      pressed: state.block === 'h2',
      onClick: () => setBlock('h2'),
    },
    {
      text: 'Titre 3',
      label: 'Titre 3',
      icon: Heading3,

      shortcut: 'Control+Alt+3',
      pressed: state.block === 'h3',
      onClick: () => setBlock('h3'),
    },
    {
      text: 'Titre 4',
      label: 'Titre 4',
      icon: Heading4,
      overflow: true,
      shortcut: 'Control+Alt+4',
      pressed: state.block === 'h4',
      onClick: () => setBlock('h4'),
    },
    {
      text: 'G',
      label: 'Gras',
      icon: Bold,
      group: true,
      shortcut: 'Control+B',
      pressed: state.bold,
      onClick: () => editor.dispatchCommand(FORMAT_TEXT_COMMAND, 'bold'),
    },
    {
      text: 'I',
      label: 'Italique',
      icon: Italic,

      shortcut: 'Control+I',
      pressed: state.italic,
      onClick: () => editor.dispatchCommand(FORMAT_TEXT_COMMAND, 'italic'),
    },
    {
      text: 'Liste à puces',
      label: 'Liste à puces',
      icon: List,
      group: true,
      shortcut: 'Control+Shift+8',
      pressed: state.block === 'bullet',
      onClick: () => setBlock('bullet'),
    },
    {
      text: 'Liste numérotée',
      label: 'Liste numérotée',
      icon: ListOrdered,

      shortcut: 'Control+Shift+7',
      pressed: state.block === 'number',
      onClick: () => setBlock('number'),
    },
    {
      text: 'Citation',
      label: 'Citation',
      icon: Quote,
      overflow: true,
      shortcut: 'Control+Shift+9',
      pressed: state.block === 'quote',
      onClick: () => setBlock('quote'),
    },
    {
      text: 'Lien',
      label: 'Lien',
      icon: Link,
      group: true,
      shortcut: 'Control+K',
      pressed: state.link !== null,
      onClick: openLinkForm,
    },
    {
      text: 'Tableau',
      label: 'Insérer un tableau',
      icon: Table,

      shortcut: 'Control+Alt+T',
      onClick: () => openDialog({ kind: 'table' }),
    },
    {
      text: 'Image',
      label: 'Insérer une image',
      icon: ImagePlus,

      shortcut: 'Control+Alt+I',
      needsMedia: true,
      onClick: () => openDialog({ kind: 'image' }),
    },
    {
      text: 'Encadré',
      label: 'Encadré',
      icon: Info,
      group: true,
      shortcut: 'Control+Alt+C',
      pressed: state.block === 'callout',
      onClick: () => setBlock('callout'),
    },
    {
      text: 'Encadré important',
      label: 'Encadré important',
      icon: TriangleAlert,

      shortcut: 'Control+Alt+Shift+C',
      pressed: state.block === 'callout-important',
      onClick: () => setBlock('callout-important'),
    },
    {
      text: 'Lien vers un PDF',
      label: 'Lien vers un PDF',
      icon: FileText,

      shortcut: 'Control+Alt+F',
      needsMedia: true,
      onClick: () => openDialog((text) => ({ kind: 'file', text })),
    },
  ];

  return (
    <div className="editor-toolbar-wrap">
      <RovingToolbar>
        {buttons
          .filter((b) => !b.overflow)
          .map((b) => (
            <Fragment key={b.label}>
              {b.group && <span className="tool-sep" aria-hidden="true" />}
              <button
                type="button"
                className="tool"
                aria-label={b.label}
                data-tip={`${b.label} (${b.shortcut.replace('Control', 'Ctrl')})`}
                aria-keyshortcuts={b.shortcut}
                aria-pressed={b.pressed}
                disabled={disabled || (b.needsMedia === true && !media)}
                onMouseDown={(e) => e.preventDefault()}
                onClick={b.onClick}
              >
                <b.icon aria-hidden="true" size={20} />
              </button>
            </Fragment>
          ))}
        <MenuTrigger>
          <Button className="tool" aria-label="Plus d’outils" isDisabled={disabled}>
            <Ellipsis aria-hidden="true" size={20} />
          </Button>
          <Popover className="popover" placement="bottom end">
            <Menu
              className="menu"
              onAction={(key) => {
                const chosen = buttons.find((b) => b.label === key);
                if (chosen) editor.focus(() => chosen.onClick());
              }}
            >
              {buttons
                .filter((b) => b.overflow)
                .map((b) => (
                  <MenuItem key={b.label} id={b.label} className="menu-item" textValue={b.label}>
                    <b.icon aria-hidden="true" size={16} />
                    {b.label}
                    {b.pressed ? ' (actif)' : ''}
                    <kbd>{b.shortcut.replace('Control', 'Ctrl')}</kbd>
                  </MenuItem>
                ))}
            </Menu>
          </Popover>
        </MenuTrigger>
        {state.inTable && (
          <>
            <span className="tool-sep" aria-hidden="true" />
            {tableButtons.map((b) => (
              <button
                key={b.edit}
                type="button"
                className="tool"
                aria-label={b.text}
                data-tip={b.text}
                disabled={disabled}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => editor.update(() => void $editTable(b.edit))}
              >
                <b.icon aria-hidden="true" size={20} />
              </button>
            ))}
          </>
        )}
        <span className="tool-sep" aria-hidden="true" />
        <button
          type="button"
          className="tool"
          aria-label="Annuler ma dernière modification"
          data-tip="Annuler ma dernière modification (Ctrl+Z)"
          aria-keyshortcuts="Control+Z"
          disabled={disabled || !canUndo}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => editor.dispatchCommand(UNDO_COMMAND, undefined)}
        >
          <Undo2 aria-hidden="true" size={20} />
        </button>
        <button
          type="button"
          className="tool"
          aria-label="Rétablir ma modification"
          data-tip="Rétablir ma modification (Ctrl+Y)"
          aria-keyshortcuts="Control+Y"
          disabled={disabled || !canRedo}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => editor.dispatchCommand(REDO_COMMAND, undefined)}
        >
          <Redo2 aria-hidden="true" size={20} />
        </button>
      </RovingToolbar>
      <p className="editor-notice" role="status">
        {notice}
      </p>
      {dialog?.kind === 'table' && (
        <TableDialog
          onCancel={() => closeDialog()}
          onSubmit={(rows, columns) =>
            closeDialog(() => {
              if (!$insertTable(rows, columns))
                setNotice('Un tableau ne peut pas être placé dans un autre tableau.');
            })
          }
        />
      )}
      {dialog?.kind === 'image' && media && (
        <ImageDialog
          media={media}
          initial={dialog.edit?.data}
          onCancel={() => closeDialog()}
          onSubmit={(data) => {
            const edit = dialog.edit;
            closeDialog(() => (edit ? $updateImage(edit.key, data) : $insertImage(data)));
          }}
        />
      )}
      {dialog?.kind === 'file' && media && (
        <FileLinkDialog
          media={media}
          initialText={dialog.text}
          onCancel={() => closeDialog()}
          onSubmit={(sha256, text) => closeDialog(() => $insertFileLink(sha256, text))}
        />
      )}
      {linkForm && (
        <LinkForm
          initial={linkForm.initial}
          onCancel={() => {
            setLinkForm(null);
            editor.focus();
          }}
          onSubmit={(url) => {
            const saved = linkForm.selection;
            setLinkForm(null);
            editor.update(() => {
              if (saved) $setSelection(saved.clone());
              $toggleLink(url);
            });
            editor.focus();
          }}
        />
      )}
    </div>
  );
}

/** A toolbar with one tab stop; arrows move between its buttons (WAI-ARIA toolbar pattern). */
function RovingToolbar({ children }: { children: React.ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const items = () => [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
  useEffect(() => {
    const all = items();
    all.forEach((b, i) => (b.tabIndex = i === Math.min(active, all.length - 1) ? 0 : -1));
  });
  function onKeyDown(e: ReactKeyboardEvent) {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const next =
      e.key === 'ArrowRight'
        ? (at + 1) % all.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + all.length) % all.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? all.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    setActive(next);
    all[next]!.focus();
  }
  return (
    <div
      ref={ref}
      role="toolbar"
      aria-label="Mise en forme du texte"
      className="editor-toolbar"
      onKeyDown={onKeyDown}
    >
      {children}
    </div>
  );
}

function LinkForm(props: { initial: string; onSubmit: (url: string | null) => void; onCancel: () => void }) {
  const [value, setValue] = useState(props.initial);
  const [error, setError] = useState<string>();
  const id = useId();
  const errorId = useId();
  return (
    <form
      className="link-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        // A link to a PDF of the library (`media:<sha256>`) keeps its target when edited here.
        const url = isMediaLink(value.trim()) ? value.trim() : checkedUrl(value);
        if (!url) {
          setError(
            'Adresse invalide : indiquez une adresse complète, par exemple https://www.service-public.fr (ou mailto:, tel:).',
          );
          return;
        }
        props.onSubmit(url);
      }}
    >
      <label htmlFor={id}>Adresse du lien</label>
      <input
        id={id}
        type="url"
        autoFocus
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            props.onCancel();
          }
        }}
      />
      {error && (
        <p id={errorId} role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="small primary">
        Appliquer le lien
      </button>
      {props.initial && (
        <button type="button" className="small" onClick={() => props.onSubmit(null)}>
          Retirer le lien
        </button>
      )}
      <button type="button" className="small" onClick={props.onCancel}>
        Annuler
      </button>
    </form>
  );
}
