import { createHeadlessEditor } from '@lexical/headless';
import { $isLinkNode, $createLinkNode } from '@lexical/link';
import { $createHeadingNode, $isHeadingNode } from '@lexical/rich-text';
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
import { allowedHeadingTag, checkedUrl, registerPasteCleanup } from './pasteCleanup';

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
});
