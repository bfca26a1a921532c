import { createHeadlessEditor } from '@lexical/headless';
import { $isLinkNode, $createLinkNode } from '@lexical/link';
import { $createHeadingNode, $isHeadingNode } from '@lexical/rich-text';
import {
  $createTableCellNode,
  $createTableNode,
  $createTableRowNode,
  $isTableCellNode,
  TableCellHeaderStates,
} from '@lexical/table';
import {
  $createParagraphNode,
  $createTextNode,
  $getRoot,
  $isElementNode,
  $isTextNode,
  type LexicalNode,
} from 'lexical';
import { describe, expect, it } from 'vitest';
import { PAGE_NODES } from '../../../site/pageBody';
import { $createCalloutNode, $isCalloutNode } from '../../../site/bodyNodes/CalloutNode';
import { renderHtml } from '../../../site/renderHtml';
import { allowedHeadingTag, checkedUrl, isMediaLink, registerPasteCleanup } from './pasteCleanup';

function all(node: LexicalNode): LexicalNode[] {
  return [node, ...($isElementNode(node) ? node.getChildren().flatMap(all) : [])];
}

describe('paste cleanup', () => {
  it('accepts only the link targets the site publishes', () => {
    expect(checkedUrl('https://www.service-public.fr/particuliers')).toBe(
      'https://www.service-public.fr/particuliers',
    );
    expect(checkedUrl('www.ampmetropole.fr')).toBe('https://www.ampmetropole.fr');
    expect(checkedUrl('mailto:mairie@example.fr')).toBe('mailto:mairie@example.fr');
    expect(checkedUrl('javascript:alert(1)')).toBeNull();
    expect(checkedUrl('https://intranet')).toBeNull();
    expect(checkedUrl('')).toBeNull();
    expect(checkedUrl('pas une adresse')).toBeNull();
  });

  it('maps heading levels to h2–h4', () => {
    expect(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(allowedHeadingTag)).toEqual([
      'h2',
      'h2',
      'h3',
      'h4',
      'h4',
      'h4',
    ]);
  });

  it('cleans what Word pastes: h1, underline, colours, alignment, unsafe links', () => {
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    registerPasteCleanup(editor);
    editor.update(
      () => {
        const h1 = $createHeadingNode('h1').append($createTextNode('Titre'));
        const text = $createTextNode('souligné rouge').toggleFormat('underline').toggleFormat('bold');
        text.setStyle('color: red; font-family: Calibri');
        const p = $createParagraphNode().append(text);
        p.setFormat('center');
        const bad = $createLinkNode('javascript:alert(1)').append($createTextNode('cliquez'));
        const good = $createLinkNode('www.marseille.fr').append($createTextNode('Marseille'));
        $getRoot().clear().append(h1, p, $createParagraphNode().append(bad, good));
      },
      { discrete: true },
    );
    editor.read(() => {
      const nodes = all($getRoot());
      const headings = nodes.filter($isHeadingNode);
      expect(headings.map((h) => h.getTag())).toEqual(['h2']);
      const texts = nodes.filter($isTextNode);
      const styled = texts.find((t) => t.getTextContent() === 'souligné rouge')!;
      expect(styled.hasFormat('bold')).toBe(true);
      expect(styled.hasFormat('underline')).toBe(false);
      expect(styled.getStyle()).toBe('');
      expect($getRoot().getChildAtIndex(1)).toSatisfy(
        (n: LexicalNode) => $isElementNode(n) && n.getFormatType() === '',
      );
      const links = nodes.filter($isLinkNode);
      expect(links.map((l) => l.getURL())).toEqual(['https://www.marseille.fr']);
      expect($getRoot().getTextContent()).toContain('cliquez');
    });
  });

  it('keeps a pasted table with a header row (its first row when it had none) and only paragraphs in cells', () => {
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    registerPasteCleanup(editor);
    editor.update(
      () => {
        // What Word pastes: a table of plain td, a coloured cell, a heading inside a cell.
        const cell = (content: LexicalNode) =>
          $createTableCellNode(TableCellHeaderStates.NO_STATUS).append(content);
        const colored = cell($createParagraphNode().append($createTextNode('Horaires')));
        colored.setBackgroundColor('#ff0000');
        const table = $createTableNode().append(
          $createTableRowNode().append(cell($createParagraphNode().append($createTextNode('Jour'))), colored),
          $createTableRowNode().append(
            cell($createHeadingNode('h1').append($createTextNode('Lundi'))),
            cell($createParagraphNode().append($createTextNode('9 h'))),
          ),
        );
        const callout = $createCalloutNode().append($createTextNode('Fermé'));
        callout.setFormat('center');
        $getRoot().clear().append(table, callout);
      },
      { discrete: true },
    );
    const html = renderHtml(editor.getEditorState().toJSON());
    expect(html).toBe(
      '<table><thead><tr><th scope="col">Jour</th><th scope="col">Horaires</th></tr></thead>' +
        '<tbody><tr><td>Lundi</td><td>9 h</td></tr></tbody></table>' +
        '<div class="callout" role="note"><p>Fermé</p></div>',
    );
    editor.read(() => {
      const nodes = all($getRoot());
      expect(nodes.filter($isHeadingNode)).toEqual([]);
      expect(nodes.filter($isTableCellNode).map((c) => c.getBackgroundColor())).toEqual([
        null,
        null,
        null,
        null,
      ]);
      expect(nodes.filter($isCalloutNode).map((c) => c.getFormatType())).toEqual(['']);
    });
  });

  it('keeps a table that already has headers as it is (a header column stays a header column)', () => {
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    registerPasteCleanup(editor);
    editor.update(
      () => {
        const row = (header: boolean, a: string, b: string) =>
          $createTableRowNode().append(
            $createTableCellNode(
              header ? TableCellHeaderStates.COLUMN : TableCellHeaderStates.NO_STATUS,
            ).append($createParagraphNode().append($createTextNode(a))),
            $createTableCellNode(TableCellHeaderStates.NO_STATUS).append(
              $createParagraphNode().append($createTextNode(b)),
            ),
          );
        $getRoot()
          .clear()
          .append($createTableNode().append(row(true, 'Lundi', '9 h'), row(true, 'Mardi', '10 h')));
      },
      { discrete: true },
    );
    expect(renderHtml(editor.getEditorState().toJSON())).toBe(
      '<table><tbody><tr><th scope="row">Lundi</th><td>9 h</td></tr><tr><th scope="row">Mardi</th><td>10 h</td></tr></tbody></table>',
    );
  });

  it('keeps links to files of the media library and drops look-alikes', () => {
    expect(isMediaLink(`media:${'a'.repeat(64)}`)).toBe(true);
    expect(isMediaLink('media:../../secret')).toBe(false);
    expect(isMediaLink(`media:${'A'.repeat(64)}`)).toBe(false);
    const editor = createHeadlessEditor({
      nodes: [...PAGE_NODES],
      onError: (e) => {
        throw e;
      },
    });
    registerPasteCleanup(editor);
    editor.update(
      () => {
        $getRoot()
          .clear()
          .append(
            $createParagraphNode().append(
              $createLinkNode(`media:${'a'.repeat(64)}`).append($createTextNode('Arrêté')),
              $createLinkNode('media:evil').append($createTextNode(' piège')),
            ),
          );
      },
      { discrete: true },
    );
    editor.read(() => {
      expect(
        all($getRoot())
          .filter($isLinkNode)
          .map((l) => l.getURL()),
      ).toEqual([`media:${'a'.repeat(64)}`]);
      expect($getRoot().getTextContent()).toBe('Arrêté piège');
    });
  });
});
