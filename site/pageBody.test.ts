import { createHeadlessEditor } from '@lexical/headless';
import { $createHeadingNode } from '@lexical/rich-text';
import {
  type Binding,
  createYjsBinding,
  syncLexicalUpdateToYjs,
  syncYjsChangesToLexical,
} from '@lexical/yjs';
import {
  $createTextNode,
  $getRoot,
  $isParagraphNode,
  type LexicalEditor,
  type SerializedEditorState,
  type SerializedLexicalNode,
  SKIP_COLLAB_TAG,
} from 'lexical';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  isPageBodyEmpty,
  ORIGIN_SAMPLE,
  PAGE_NODES,
  PageBodyError,
  pageBodyToEditorState,
  seedPageBody,
  writeParagraphs,
  NO_PROVIDER,
} from './pageBody';
import { ORIGIN_SEED, PAGE_BODY_ROOT } from './siteDoc';

const provider = NO_PROVIDER;

/**
 * An editor wired to a doc exactly as @lexical/react's useYjsCollaboration wires it
 * (V1 binding, shouldBootstrap false): remote Yjs events → Lexical, Lexical updates → Yjs.
 * Like the real plugin it only sees content that arrives after it is bound.
 */
function collaborationEditor(doc: Y.Doc): { editor: LexicalEditor; binding: Binding; dispose: () => void } {
  const editor = createHeadlessEditor({
    nodes: [...PAGE_NODES],
    onError: (e) => {
      throw e;
    },
  });
  const binding = createYjsBinding({
    editor,
    id: 'p',
    doc,
    docMap: new Map([['p', doc]]),
    rootName: PAGE_BODY_ROOT,
  });
  const onYjs = (events: Y.YEvent<Y.Text>[], tr: Y.Transaction) => {
    if (tr.origin !== binding) syncYjsChangesToLexical(binding, provider, events, false, () => {});
  };
  binding.root.getSharedType().observeDeep(onYjs as never);
  const off = editor.registerUpdateListener((p) => {
    if (p.tags.has(SKIP_COLLAB_TAG)) return;
    syncLexicalUpdateToYjs(
      binding,
      provider,
      p.prevEditorState,
      p.editorState,
      p.dirtyElements,
      p.dirtyLeaves,
      p.normalizedNodes,
      p.tags,
    );
  });
  return {
    editor,
    binding,
    dispose: () => {
      off();
      binding.root.getSharedType().unobserveDeep(onYjs as never);
    },
  };
}

function texts(state: SerializedEditorState): string[] {
  return state.root.children.map((block) =>
    ((block as SerializedLexicalNode & { children?: Array<{ text?: string }> }).children ?? [])
      .map((c) => c.text ?? '')
      .join(''),
  );
}

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('pageBody', () => {
  it('[BODY-1] PAGE_NODES registers the rich-text, list and link nodes', () => {
    const types = PAGE_NODES.map((k) => k.getType());
    expect(types).toEqual(
      expect.arrayContaining(['heading', 'quote', 'list', 'listitem', 'link', 'autolink']),
    );
  });

  it('[BODY-2] seedPageBody writes one empty paragraph, once, with origin ORIGIN_SEED', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    seedPageBody(doc);
    expect(origins).toEqual([ORIGIN_SEED]);
    const root = doc.get(PAGE_BODY_ROOT, Y.XmlText);
    const delta = root.toDelta() as Array<{ insert: unknown }>;
    expect(delta).toHaveLength(1);
    expect(delta[0]!.insert).toBeInstanceOf(Y.XmlText);
    expect((delta[0]!.insert as Y.XmlText).getAttribute('__type')).toBe('paragraph');
    expect(texts(pageBodyToEditorState(doc))).toEqual(['']);

    // Seeding again (or a second client seeding a synced doc) changes nothing.
    seedPageBody(doc);
    expect(origins).toEqual([ORIGIN_SEED]);
    expect(doc.get(PAGE_BODY_ROOT, Y.XmlText).toDelta()).toHaveLength(1);
  });

  it('[BODY-2] a seeded doc leaves no cached collab node on its shared types', () => {
    const doc = new Y.Doc();
    seedPageBody(doc);
    const root = doc.get(PAGE_BODY_ROOT, Y.XmlText) as Y.XmlText & { _collabNode?: unknown };
    expect(root._collabNode).toBeUndefined();
  });

  it('[BODY-3] an editor bound like the CollaborationPlugin reads the seed and its edits reach the server copy', () => {
    const server = new Y.Doc();
    seedPageBody(server);

    const client = new Y.Doc();
    const { editor, dispose } = collaborationEditor(client);
    sync(server, client); // the seed arrives through the provider, as in the app
    expect(editor.read(() => $getRoot().getChildrenSize())).toBe(1);
    expect(editor.read(() => $isParagraphNode($getRoot().getFirstChild()))).toBe(true);

    editor.update(
      () => {
        const paragraph = $getRoot().getFirstChild();
        if ($isParagraphNode(paragraph)) paragraph.append($createTextNode('Horaires de la mairie'));
        $getRoot().append($createHeadingNode('h2').append($createTextNode('Accès')));
      },
      { discrete: true },
    );
    sync(client, server);
    dispose();

    const json = pageBodyToEditorState(server);
    expect(texts(json)).toEqual(['Horaires de la mairie', 'Accès']);
    expect(json.root.children[1]).toMatchObject({ type: 'heading', tag: 'h2' });
  });

  it('[BODY-3] text written by writeParagraphs shows up in a live collaboration editor', () => {
    const doc = new Y.Doc();
    seedPageBody(doc);
    // As in the app, the editor is bound to the doc before any content arrives
    // (the V1 binding only learns content from Yjs events).
    const live = new Y.Doc();
    const { editor, dispose } = collaborationEditor(live);
    sync(doc, live);
    const other = new Y.Doc();
    sync(doc, other);
    writeParagraphs(other, ['Premier', 'Second']);
    sync(other, live);
    expect(editor.read(() => $getRoot().getTextContent())).toBe('Premier\n\nSecond');
    dispose();
  });

  it('[BODY-4] pageBodyToEditorState does not modify the doc', () => {
    const doc = new Y.Doc();
    writeParagraphs(doc, ['Un', 'Deux']);
    const before = Y.encodeStateAsUpdate(doc);
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    expect(texts(pageBodyToEditorState(doc))).toEqual(['Un', 'Deux']);
    expect(transactions).toBe(0);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it('[BODY-4] an empty doc gives an empty root without throwing', () => {
    const doc = new Y.Doc();
    const json = pageBodyToEditorState(doc);
    expect(json.root.type).toBe('root');
    expect(json.root.children).toEqual([]);
    expect(isPageBodyEmpty(doc)).toBe(true);
  });

  it('[BODY-5] writeParagraphs fills the seeded paragraph, then appends, with origin ORIGIN_SAMPLE', () => {
    const doc = new Y.Doc();
    seedPageBody(doc);
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    writeParagraphs(doc, ['A', 'B']);
    writeParagraphs(doc, ['C']);
    expect(origins).toEqual([ORIGIN_SAMPLE, ORIGIN_SAMPLE]);
    expect(texts(pageBodyToEditorState(doc))).toEqual(['A', 'B', 'C']);
  });

  it('[BODY-5] concurrent writes from two offline copies both survive', () => {
    const a = new Y.Doc();
    seedPageBody(a);
    const b = new Y.Doc();
    sync(a, b);
    writeParagraphs(a, ['depuis A']);
    writeParagraphs(b, ['depuis B']);
    sync(a, b);
    const fromA = texts(pageBodyToEditorState(a));
    expect(fromA.join('|')).toContain('depuis A');
    expect(fromA.join('|')).toContain('depuis B');
    expect(texts(pageBodyToEditorState(b))).toEqual(fromA);
  });

  it('[BODY-6] a body Lexical cannot read throws PageBodyError, not a bare invariant', () => {
    const doc = new Y.Doc();
    writeParagraphs(doc, ['a']);
    const table = new Y.XmlText();
    table.setAttribute('__type', 'table');
    doc.get(PAGE_BODY_ROOT, Y.XmlText).insertEmbed(1, table);
    expect(() => pageBodyToEditorState(doc)).toThrow(PageBodyError);
    expect(() => pageBodyToEditorState(doc)).toThrow(/table/);
  });
});
