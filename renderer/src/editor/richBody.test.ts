import { createHeadlessEditor } from '@lexical/headless';
import { $isLinkNode } from '@lexical/link';
import { $isTableCellNode, $isTableNode, TableCellHeaderStates } from '@lexical/table';
import {
  $createParagraphNode,
  $createTextNode,
  $getRoot,
  $getSelection,
  $isElementNode,
  $isRangeSelection,
  type LexicalNode,
  type SerializedLexicalNode,
} from 'lexical';
import { describe, expect, it } from 'vitest';
import { $isImageNode } from '../../../site/bodyNodes/ImageNode';
import { PAGE_NODES } from '../../../site/pageBody';
import { renderHtml } from '../../../site/renderHtml';
import {
  $editTable,
  $insertFileLink,
  $insertImage,
  $insertTable,
  $isInTable,
  $updateImage,
} from './richBody';
import { registerPasteCleanup } from './pasteCleanup';

const IMG = '1'.repeat(64);
const PDF = '2'.repeat(64);

function editor() {
  const e = createHeadlessEditor({
    nodes: [...PAGE_NODES],
    onError: (err) => {
      throw err;
    },
  });
  registerPasteCleanup(e);
  e.update(
    () => {
      const p = $createParagraphNode().append($createTextNode('Horaires'));
      $getRoot().clear().append(p);
      p.selectEnd();
    },
    { discrete: true },
  );
  return e;
}

function all(node: LexicalNode): LexicalNode[] {
  return [node, ...($isElementNode(node) ? node.getChildren().flatMap(all) : [])];
}

const types = (e: ReturnType<typeof editor>) =>
  e.read(() =>
    $getRoot()
      .getChildren()
      .map((n) => n.getType()),
  );

describe('rich body insertions', () => {
  it('a table has a header row, the caret in its first cell and a paragraph after it', () => {
    const e = editor();
    e.update(() => expect($insertTable(3, 2)).toBe(true), { discrete: true });
    expect(types(e)).toEqual(['paragraph', 'table', 'paragraph']);
    e.update(
      () => {
        const selection = $getSelection();
        expect($isRangeSelection(selection)).toBe(true);
        if ($isRangeSelection(selection)) selection.insertText('Jour');
      },
      { discrete: true },
    );
    const html = renderHtml(e.getEditorState().toJSON());
    expect(html).toContain('<thead><tr><th scope="col">Jour</th><th scope="col"></th></tr></thead>');
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it('no table inside a table; an image asked for in a table goes after it', () => {
    const e = editor();
    e.update(() => $insertTable(2, 2), { discrete: true });
    e.update(() => expect($insertTable(2, 2)).toBe(false), { discrete: true });
    e.update(() => $insertImage({ sha256: IMG, altText: 'Plan', decorative: false, caption: '' }), {
      discrete: true,
    });
    expect(types(e)).toEqual(['paragraph', 'table', 'image', 'paragraph']);
    expect(e.read(() => all($getRoot()).filter($isTableNode))).toHaveLength(1);
  });

  it('an image is inserted as a block and its alt text and caption can be changed', () => {
    const e = editor();
    e.update(() => $insertImage({ sha256: IMG, altText: '', decorative: true, caption: '' }), {
      discrete: true,
    });
    expect(types(e)).toEqual(['paragraph', 'image', 'paragraph']);
    const key = e.read(() => $getRoot().getChildAtIndex(1)!.getKey());
    e.update(
      () =>
        expect($updateImage(key, { altText: 'Le marché', decorative: false, caption: 'Samedi' })).toBe(true),
      {
        discrete: true,
      },
    );
    const image = e.getEditorState().toJSON().root.children[1] as SerializedLexicalNode &
      Record<string, unknown>;
    expect(image).toMatchObject({
      type: 'image',
      sha256: IMG,
      altText: 'Le marché',
      decorative: false,
      caption: 'Samedi',
    });
    expect(e.read(() => $isImageNode($getRoot().getChildAtIndex(1)))).toBe(true);
  });

  it('a link to a PDF keeps its media: url through the paste cleanup', () => {
    const e = editor();
    e.update(() => $insertFileLink(PDF, 'Compte rendu'), { discrete: true });
    const links = e.read(() =>
      all($getRoot())
        .filter($isLinkNode)
        .map((l) => [l.getURL(), l.getTextContent()]),
    );
    expect(links).toEqual([[`media:${PDF}`, 'Compte rendu']]);
    const html = renderHtml(e.getEditorState().toJSON(), {
      media: (sha) =>
        sha === PDF ? { mime: 'application/pdf', width: 0, height: 0, widths: [], bytes: 2048 } : undefined,
    });
    expect(html).toBe(`<p>Horaires<a href="./media/${PDF}.pdf">Compte rendu (PDF, 2 Ko)</a></p>`);
  });

  it('header states are kept', () => {
    const e = editor();
    e.update(() => $insertTable(2, 2), { discrete: true });
    const states = e.read(() =>
      all($getRoot())
        .filter($isTableCellNode)
        .map((c) => c.getHeaderStyles()),
    );
    expect(states).toEqual([
      TableCellHeaderStates.ROW,
      TableCellHeaderStates.ROW,
      TableCellHeaderStates.NO_STATUS,
      TableCellHeaderStates.NO_STATUS,
    ]);
  });

  it('a table grows and shrinks at the caret; the header row stays the only header row', () => {
    const e = editor();
    e.update(() => $insertTable(2, 2), { discrete: true });
    const typeInCell = (words: string) =>
      e.update(
        () => {
          const selection = $getSelection();
          if ($isRangeSelection(selection)) selection.insertText(words);
        },
        { discrete: true },
      );
    typeInCell('Jour');
    expect(e.read(() => $isInTable())).toBe(true);
    e.update(() => expect($editTable('column-right')).toBe(true), { discrete: true });
    e.update(() => expect($editTable('row-below')).toBe(true), { discrete: true });
    let html = renderHtml(e.getEditorState().toJSON());
    expect(html).toContain(
      '<thead><tr><th scope="col">Jour</th><th scope="col"></th><th scope="col"></th></tr></thead>',
    );
    expect(html.match(/<tr>/g)).toHaveLength(3);
    expect(html.match(/<td>/g)).toHaveLength(6);

    e.update(() => $editTable('delete-column'), { discrete: true });
    html = renderHtml(e.getEditorState().toJSON());
    expect(html.match(/<th /g)).toHaveLength(2);
    expect(html.match(/<tr>/g)).toHaveLength(3);

    e.update(() => expect($editTable('delete-table')).toBe(true), { discrete: true });
    expect(types(e)).toEqual(['paragraph', 'paragraph']);
    expect(e.read(() => $isInTable())).toBe(false);
    e.update(() => expect($editTable('row-below')).toBe(false), { discrete: true });
  });
});
