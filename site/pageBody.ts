/**
 * A page body doc (room `{insee}/page/{pageId}`) seen through Lexical, without a DOM:
 * the node set shared by the editor and the server, seeding a new page, and reading a
 * body back as editor-state JSON for publishing.
 *
 * Everything goes through @lexical/yjs's V1 binding on the XmlText `root`, the same
 * binding the React CollaborationPlugin uses, so the Yjs structure written here is the
 * one the editor reads and edits.
 */
import { createHeadlessEditor } from '@lexical/headless';
import { AutoLinkNode, LinkNode } from '@lexical/link';
import { ListItemNode, ListNode } from '@lexical/list';
import { HeadingNode, QuoteNode } from '@lexical/rich-text';
import { TableCellNode, TableNode, TableRowNode } from '@lexical/table';
import { type Binding, createYjsBinding, syncLexicalUpdateToYjs, type Provider } from '@lexical/yjs';
import {
  $createParagraphNode,
  $createTextNode,
  $getRoot,
  $isParagraphNode,
  COLLABORATION_TAG,
  type Klass,
  type LexicalEditor,
  type LexicalNode,
  type SerializedEditorState,
  SKIP_COLLAB_TAG,
} from 'lexical';
import * as Y from 'yjs';
import { CalloutNode } from './bodyNodes/CalloutNode';
import { ImageNode } from './bodyNodes/ImageNode';
import { ORIGIN_SEED, PAGE_BODY_ROOT } from './siteDoc';

/** Lexical node classes registered by the editor and the server: both must list the same. */
export const PAGE_NODES: ReadonlyArray<Klass<LexicalNode>> = [
  HeadingNode,
  QuoteNode,
  ListNode,
  ListItemNode,
  LinkNode,
  AutoLinkNode,
  TableNode,
  TableRowNode,
  TableCellNode,
  ImageNode,
  CalloutNode,
];

/** Origin of the transactions that write sample content (tests, benchmarks, demo data). */
export const ORIGIN_SAMPLE = 'usine:sample';

/** Binding id: only used as a key of the binding's private docMap. */
const BINDING_ID = 'page-body';

/**
 * A provider that does nothing: headless bindings have no awareness and no cursors.
 * syncLexicalUpdateToYjs reads `awareness.getLocalState()` for the selection and
 * stops at `null`.
 */
export const NO_PROVIDER: Provider = {
  awareness: {
    getLocalState: () => null,
    getStates: () => new Map(),
    on: () => {},
    off: () => {},
    setLocalState: () => {},
    setLocalStateField: () => {},
  },
  connect: () => {},
  disconnect: () => {},
  on: () => {},
  off: () => {},
};

interface HeadlessBinding {
  editor: LexicalEditor;
  binding: Binding;
  dispose(): void;
}

/**
 * A headless editor bound to `doc`, already holding the doc's current content.
 * With `writable`, every later Lexical update is written back into the doc (as the
 * CollaborationPlugin's update listener does); otherwise the doc is never written.
 */
function openHeadlessBinding(doc: Y.Doc, writable: boolean): HeadlessBinding {
  const editor = createHeadlessEditor({
    namespace: 'usine-page-body',
    nodes: [...PAGE_NODES],
    onError: (error) => {
      throw error;
    },
  });
  const binding = createYjsBinding({
    editor,
    id: BINDING_ID,
    doc,
    docMap: new Map([[BINDING_ID, doc]]),
    rootName: PAGE_BODY_ROOT,
  });

  // Hydrate: build the collab tree and the Lexical nodes from what the doc holds,
  // the way syncYjsChangesToLexical handles a childListChanged event on the root.
  // Tagged `collaboration` so a writable binding does not echo it back into Yjs.
  const root = binding.root;
  if (root._xmlText.length > 0) {
    editor.update(
      () => {
        root.syncPropertiesFromYjs(binding, null);
        root.applyChildrenYjsDelta(binding, root._xmlText.toDelta());
        root.syncChildrenFromYjs(binding);
      },
      { discrete: true, skipTransforms: true, tag: COLLABORATION_TAG },
    );
  }

  const unregister = writable
    ? editor.registerUpdateListener(
        ({ prevEditorState, editorState, dirtyElements, dirtyLeaves, normalizedNodes, tags }) => {
          if (tags.has(SKIP_COLLAB_TAG)) return;
          syncLexicalUpdateToYjs(
            binding,
            NO_PROVIDER,
            prevEditorState,
            editorState,
            dirtyElements,
            dirtyLeaves,
            normalizedNodes,
            tags,
          );
        },
      )
    : () => {};

  return {
    editor,
    binding,
    dispose() {
      unregister();
      binding.root.destroy(binding);
    },
  };
}

/** True when the body doc holds nothing yet (never seeded, never edited). */
export function isPageBodyEmpty(doc: Y.Doc): boolean {
  return doc.get(PAGE_BODY_ROOT, Y.XmlText).length === 0;
}

/**
 * Runs `fn` on a headless editor bound to a private copy of `doc`, then applies what it
 * wrote to `doc` as one update with `origin`. Working on a copy keeps our short-lived
 * binding from leaving its collab nodes cached on the doc's shared types, where a later
 * editor binding on the same Y.Doc would pick them up.
 */
function editThroughCopy(doc: Y.Doc, origin: string, fn: (editor: LexicalEditor) => void): void {
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(copy);
    const { editor, dispose } = openHeadlessBinding(copy, true);
    try {
      fn(editor);
    } finally {
      dispose();
    }
    if (!sameBytes(before, Y.encodeStateVector(copy))) {
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(copy, before), origin);
    }
  } finally {
    copy.destroy();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Seeds a NEW page's body doc with one empty paragraph, once, at page creation.
 * The editor binds with `shouldBootstrap={false}`, so this is the only bootstrap:
 * doing it in one place avoids two offline clients each bootstrapping the same doc
 * (which would give two paragraphs). Does nothing if the doc already has content.
 * Applied as one update with origin ORIGIN_SEED.
 */
export function seedPageBody(doc: Y.Doc): void {
  if (!isPageBodyEmpty(doc)) return;
  editThroughCopy(doc, ORIGIN_SEED, (editor) => {
    editor.update(
      () => {
        const root = $getRoot();
        if (root.getChildrenSize() === 0) root.append($createParagraphNode());
      },
      { discrete: true },
    );
  });
}

/**
 * A body doc Lexical cannot read, e.g. it holds a node type missing from PAGE_NODES
 * (written by a newer editor) or a malformed structure. The caller decides: the server
 * should keep the page's previously published version rather than publish it empty.
 */
export class PageBodyError extends Error {
  readonly code = 'unreadable-body';
  constructor(cause: unknown) {
    super(`page body cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PageBodyError';
  }
}

/**
 * The body as Lexical editor-state JSON, for publishing. Reads a private copy of the
 * doc, so the doc is never written and a live editor binding on it is not disturbed.
 * A doc with no content gives an empty root. Throws PageBodyError when Lexical cannot
 * read the doc.
 */
export function pageBodyToEditorState(doc: Y.Doc): SerializedEditorState {
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    let opened: HeadlessBinding;
    try {
      opened = openHeadlessBinding(copy, false);
    } catch (error) {
      throw new PageBodyError(error);
    }
    try {
      return opened.editor.getEditorState().toJSON();
    } finally {
      opened.dispose();
    }
  } finally {
    copy.destroy();
  }
}

/**
 * Appends paragraphs of plain text to a body doc, through a Lexical binding (for tests,
 * benchmarks and sample content). Seeds the doc first if it is empty, then fills the
 * seeded empty paragraph before adding new ones. Origin ORIGIN_SAMPLE.
 */
export function writeParagraphs(doc: Y.Doc, paragraphs: string[]): void {
  seedPageBody(doc);
  editThroughCopy(doc, ORIGIN_SAMPLE, (editor) => {
    editor.update(
      () => {
        const root = $getRoot();
        let rest = paragraphs;
        const only = root.getChildrenSize() === 1 ? root.getFirstChild() : null;
        if ($isParagraphNode(only) && only.getTextContentSize() === 0 && rest.length > 0) {
          const [first, ...others] = rest;
          if (first) only.append($createTextNode(first));
          rest = others;
        }
        for (const text of rest) {
          const paragraph = $createParagraphNode();
          if (text) paragraph.append($createTextNode(text));
          root.append(paragraph);
        }
      },
      { discrete: true },
    );
  });
}

/** Node types the direct reader knows; anything else goes through Lexical. */
const DIRECT_ELEMENTS = new Set([
  'root',
  'paragraph',
  'heading',
  'quote',
  'list',
  'listitem',
  'link',
  'autolink',
  'table',
  'tablerow',
  'tablecell',
  'callout',
]);
const DIRECT_LEAVES = new Set(['text', 'linebreak', 'tab']);
/** Decorator nodes (a Y.XmlElement holding the node's properties as attributes). */
const DIRECT_DECORATORS = new Set(['image']);

type JsonNode = Record<string, unknown> & { children?: JsonNode[] };

/** Node properties as Lexical serializes them: `__tag` → `tag`; `__type` → `type`. */
function props(attributes: Record<string, unknown>): JsonNode {
  const out: JsonNode = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith('__') || key === '__proto__') continue;
    const name = key.slice(2);
    if (name === '' || name === 'proto__') continue;
    out[name] = value;
  }
  return out;
}

class NotDirect extends Error {}

function readElement(xml: Y.XmlText, type: string, depth: number): JsonNode {
  if (depth > 64) throw new NotDirect();
  const node: JsonNode = { ...props(xml.getAttributes() as Record<string, unknown>), type, children: [] };
  let text: JsonNode | null = null;
  for (const part of xml.toDelta() as Array<{ insert: unknown }>) {
    const insert = part.insert;
    if (typeof insert === 'string') {
      // The text of the text node announced by the preceding map.
      if (!text) throw new NotDirect();
      text.text = `${typeof text.text === 'string' ? text.text : ''}${insert}`;
    } else if (insert instanceof Y.XmlText) {
      text = null;
      const childType = insert.getAttribute('__type');
      if (typeof childType !== 'string' || !DIRECT_ELEMENTS.has(childType) || childType === 'root')
        throw new NotDirect();
      node.children!.push(readElement(insert, childType, depth + 1));
    } else if (insert instanceof Y.XmlElement) {
      text = null;
      const decorator = props(insert.getAttributes() as Record<string, unknown>);
      if (typeof decorator.type !== 'string' || !DIRECT_DECORATORS.has(decorator.type)) throw new NotDirect();
      node.children!.push({ ...decorator, version: 1 });
    } else if (insert instanceof Y.Map) {
      const leaf = props(insert.toJSON() as Record<string, unknown>);
      const leafType = leaf.type;
      if (typeof leafType !== 'string' || !DIRECT_LEAVES.has(leafType)) throw new NotDirect();
      if (leafType === 'linebreak') {
        text = null;
        node.children!.push({ type: 'linebreak', version: 1 });
      } else {
        text = { ...leaf, type: leafType, text: '', version: 1 };
        node.children!.push(text);
      }
    } else {
      throw new NotDirect();
    }
  }
  return node;
}

/**
 * The body as editor-state JSON, read straight from the @lexical/yjs V1 structure (about 50×
 * faster than a headless editor: publishing a 1,000-page site reads every body). Returns null
 * when the doc holds anything beyond the plain node set (other node types, decorators, odd
 * structures): the caller then uses `pageBodyToEditorState`. Never writes the doc. The HTML
 * rendered from both is the same (pageBody.test.ts [BODY-7]).
 */
export function pageBodyToEditorStateDirect(doc: Y.Doc): SerializedEditorState | null {
  let root: Y.XmlText;
  try {
    root = doc.get(PAGE_BODY_ROOT, Y.XmlText);
  } catch {
    return null;
  }
  try {
    const node = readElement(root, 'root', 0);
    return { root: { ...node, type: 'root' } } as unknown as SerializedEditorState;
  } catch (error) {
    if (error instanceof NotDirect) return null;
    throw error;
  }
}

/** The body for publishing: the direct reader, else Lexical (may throw PageBodyError). */
export function readPageBody(doc: Y.Doc): SerializedEditorState {
  return pageBodyToEditorStateDirect(doc) ?? pageBodyToEditorState(doc);
}
