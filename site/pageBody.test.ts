import { createHeadlessEditor } from '@lexical/headless';
import { $createLinkNode } from '@lexical/link';
import { $createHeadingNode } from '@lexical/rich-text';
import {
  $createTableNodeWithDimensions,
  $isTableCellNode,
  $isTableRowNode,
  type TableCellNode,
  type TableNode,
} from '@lexical/table';
import {
  type Binding,
  createYjsBinding,
  syncLexicalUpdateToYjs,
  syncYjsChangesToLexical,
} from '@lexical/yjs';
import {
  $createParagraphNode,
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
import { $createCalloutNode, CalloutNode } from './bodyNodes/CalloutNode';
import { $createImageNode, ImageNode, installImageDecorator } from './bodyNodes/ImageNode';
import { type MediaInfo, renderHtml } from './renderHtml';
import {
  isPageBodyEmpty,
  ORIGIN_SAMPLE,
  PAGE_NODES,
  PageBodyError,
  pageBodyToEditorState,
  seedPageBody,
  writeParagraphs,
  NO_PROVIDER,
  readPageBody,
} from './pageBody';
import { ORIGIN_SEED, PAGE_BODY_ROOT } from './siteDoc';

const provider = NO_PROVIDER;

const IMG = 'a'.repeat(64);
const PDF = 'b'.repeat(64);
const MEDIA: Record<string, MediaInfo> = {
  [IMG]: { mime: 'image/webp', width: 800, height: 600, widths: [] },
  [PDF]: { mime: 'application/pdf', width: 0, height: 0, widths: [], bytes: 240 * 1024 },
};

function collectCells(table: TableNode): TableCellNode[] {
  return table
    .getChildren()
    .filter($isTableRowNode)
    .flatMap((row) => row.getChildren().filter($isTableCellNode));
}

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
  it('[BODY-1] PAGE_NODES registers the rich-text, list, link, table, image and callout nodes', () => {
    const types = PAGE_NODES.map((k) => k.getType());
    expect(types).toEqual(
      expect.arrayContaining([
        'heading',
        'quote',
        'list',
        'listitem',
        'link',
        'autolink',
        'table',
        'tablerow',
        'tablecell',
        'image',
        'callout',
      ]),
    );
  });

  it('[BODY-8] a table, an image, a callout and a file link written by one editor reach another live editor and publish', () => {
    const server = new Y.Doc();
    seedPageBody(server);
    const a = new Y.Doc();
    const b = new Y.Doc();
    const writer = collaborationEditor(a);
    const reader = collaborationEditor(b);
    sync(server, a);
    sync(server, b);
    // The seed reaches each editor as a (collaboration-tagged) update; let it commit first, as
    // React does, so that our edit is not merged into it.
    expect(writer.editor.read(() => $getRoot().getChildrenSize())).toBe(1);

    writer.editor.update(
      () => {
        const table = $createTableNodeWithDimensions(3, 2, { rows: true, columns: false });
        const cells = collectCells(table);
        const words = ['Jour', 'Horaires', 'Lundi', '9 h – 12 h', 'Mardi', 'Fermé'];
        cells.forEach((cell, i) => {
          const paragraph = cell.getFirstChild();
          if ($isParagraphNode(paragraph)) paragraph.append($createTextNode(words[i] ?? ''));
        });
        const link = $createLinkNode(`media:${PDF}`).append($createTextNode('Compte rendu du conseil'));
        $getRoot().append(
          table,
          $createImageNode({
            sha256: IMG,
            altText: 'La mairie sous la neige',
            decorative: false,
            caption: '',
          }),
          $createImageNode({ sha256: IMG, altText: '', decorative: true, caption: 'Vue du village' }),
          $createCalloutNode().append($createTextNode('Mairie fermée le 15 août.')),
          $createCalloutNode('important').append($createTextNode('Alerte canicule.')),
          $createParagraphNode().append(link),
        );
      },
      { discrete: true },
    );
    sync(a, server);
    sync(server, b);

    // The second agent's editor shows them live.
    const live = reader.editor.read(() =>
      $getRoot()
        .getChildren()
        .map((n) => n.getType()),
    );
    expect(live).toEqual(['paragraph', 'table', 'image', 'image', 'callout', 'callout', 'paragraph']);
    expect(reader.editor.read(() => $getRoot().getTextContent())).toContain('9 h – 12 h');
    writer.dispose();
    reader.dispose();

    // The server reads the same JSON and renders it.
    const json = pageBodyToEditorState(server);
    expect(json.root.children[2]).toMatchObject({
      type: 'image',
      sha256: IMG,
      altText: 'La mairie sous la neige',
      decorative: false,
    });
    expect(json.root.children[4]).toMatchObject({ type: 'callout', variant: 'info' });
    const usedMedia = new Set<string>();
    const html = renderHtml(readPageBody(server), {
      media: (sha) => MEDIA[sha],
      root: '../',
      usedMedia,
    });
    expect(html).toContain(
      '<table><thead><tr><th scope="col">Jour</th><th scope="col">Horaires</th></tr></thead>' +
        '<tbody><tr><td>Lundi</td><td>9 h – 12 h</td></tr><tr><td>Mardi</td><td>Fermé</td></tr></tbody></table>',
    );
    expect(html).toContain(
      `<p><img src="../media/${IMG}.webp" width="800" height="600" alt="La mairie sous la neige"`,
    );
    expect(html).toContain(`<figure><img src="../media/${IMG}.webp" width="800" height="600" alt=""`);
    expect(html).toContain('<figcaption>Vue du village</figcaption></figure>');
    expect(html).toContain('<div class="callout" role="note"><p>Mairie fermée le 15 août.</p></div>');
    expect(html).toContain(
      '<div class="callout callout-important" role="note"><p>Alerte canicule.</p></div>',
    );
    expect(html).toContain(`<a href="../media/${PDF}.pdf">Compte rendu du conseil (PDF, 240 Ko)</a>`);
    expect([...usedMedia].sort()).toEqual([`media/${IMG}.webp`, `media/${PDF}.pdf`]);
    // The direct reader and Lexical agree [BODY-7].
    expect(renderHtml(pageBodyToEditorState(server), { media: (sha) => MEDIA[sha] })).toBe(
      renderHtml(readPageBody(server), { media: (sha) => MEDIA[sha] }),
    );
  });

  it('[BODY-8] the editor view of an image comes from the installed decorator; none without one', () => {
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    const data = { sha256: IMG, altText: 'Plan', decorative: false, caption: '' };
    const seen: unknown[] = [];
    editor.update(
      () => {
        const node = $createImageNode(data);
        expect(node.decorate()).toBeNull();
        const uninstall = installImageDecorator((d, key) => {
          seen.push([d, key]);
          return `vue de ${d.altText}`;
        });
        expect(node.decorate()).toBe('vue de Plan');
        uninstall();
        expect(node.decorate()).toBeNull();
        expect(node.isInline()).toBe(false);
        expect(node.getTextContent()).toBe('Plan');
      },
      { discrete: true },
    );
    expect(seen).toEqual([[data, expect.any(String)]]);
  });

  it('[BODY-8] image and callout fields from hostile JSON are typed: bad sha256 emptied, alt text bounded, unknown variant → info', () => {
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    editor.update(
      () => {
        const node = ImageNode.importJSON({
          type: 'image',
          version: 1,
          sha256: 'javascript:alert(1)',
          altText: 'x'.repeat(5000),
          decorative: 'yes',
          caption: 42,
        });
        expect(node.getData()).toEqual({
          sha256: '',
          altText: 'x'.repeat(1000),
          decorative: false,
          caption: '',
        });
        const callout = CalloutNode.importJSON({
          type: 'callout',
          version: 1,
          variant: '<script>' as never,
          children: [],
          direction: null,
          format: '',
          indent: 0,
        });
        expect(callout.getVariant()).toBe('info');
        expect(callout.exportJSON()).toMatchObject({ type: 'callout', variant: 'info' });
      },
      { discrete: true },
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
    const poll = new Y.XmlText();
    poll.setAttribute('__type', 'poll');
    doc.get(PAGE_BODY_ROOT, Y.XmlText).insertEmbed(1, poll);
    expect(() => pageBodyToEditorState(doc)).toThrow(PageBodyError);
    expect(() => pageBodyToEditorState(doc)).toThrow(/poll/);
  });
});
