// Keeps a page body within what the published site allows, whatever arrives — typed, pasted
// from Word or LibreOffice, or received from an older editor: headings h2–h4 only (the page
// title is the h1), bold/italic/subscript/superscript only, no inline styles (colours, fonts),
// no alignment or indentation, and only links the site renderer accepts (or `media:<sha256>`,
// a file of the media library). Tables keep a header row (the first row, when a pasted table
// has no header cell: RGAA 5.6) and only paragraphs in their cells; callouts stay plain boxes.
import { $isLinkNode, LinkNode } from '@lexical/link';
import { $createHeadingNode, $isHeadingNode, $isQuoteNode, HeadingNode, QuoteNode } from '@lexical/rich-text';
import {
  $isTableCellNode,
  $isTableRowNode,
  TableCellHeaderStates,
  TableCellNode,
  TableNode,
} from '@lexical/table';
import { mergeRegister } from '@lexical/utils';
import { $createParagraphNode, type ElementNode, type LexicalEditor, ParagraphNode, TextNode } from 'lexical';
import { $isCalloutNode, CalloutNode } from '../../../site/bodyNodes/CalloutNode';
import { bodyHref } from '../../../site/fieldLinks';
import { MEDIA_SCHEME } from '../../../site/renderHtml';

const IS_BOLD = 1;
const IS_ITALIC = 1 << 1;
const IS_SUBSCRIPT = 1 << 5;
const IS_SUPERSCRIPT = 1 << 6;
export const ALLOWED_TEXT_FORMATS = IS_BOLD | IS_ITALIC | IS_SUBSCRIPT | IS_SUPERSCRIPT;

/** h1 → h2 (one h1 per page: its title), h5/h6 → h4. */
export function allowedHeadingTag(tag: string): 'h2' | 'h3' | 'h4' {
  if (tag === 'h3') return 'h3';
  if (tag === 'h1' || tag === 'h2') return 'h2';
  return 'h4';
}

/** A link target the site publishes (http, https, mailto, tel, relative), as published; null otherwise. */
export function checkedUrl(raw: string): string | null {
  const trimmed = raw.trim();
  if (!trimmed) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed)
    ? trimmed
    : /^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(trimmed)
      ? `https://${trimmed}`
      : trimmed;
  // Exactly what publication keeps ([HTML-5]): what the agent is told is what is published.
  return bodyHref(withScheme);
}

const MEDIA_LINK_RE = new RegExp(`^${MEDIA_SCHEME}[0-9a-f]{64}$`);

/** A link to a file of the media library (`media:<sha256>`), published by [HTML-13]. */
export function isMediaLink(url: string): boolean {
  return MEDIA_LINK_RE.test(url);
}

/** A table with no header cell gets its first row as headers. */
function $ensureHeaderRow(table: TableNode): void {
  const rows = table.getChildren().filter($isTableRowNode);
  const cells = rows.flatMap((row) => row.getChildren().filter($isTableCellNode));
  if (cells.length === 0 || cells.some((cell) => cell.getHeaderStyles() !== TableCellHeaderStates.NO_STATUS))
    return;
  for (const cell of rows[0]!.getChildren()) {
    if ($isTableCellNode(cell)) cell.setHeaderStyles(TableCellHeaderStates.ROW, TableCellHeaderStates.ROW);
  }
}

/** Cells publish phrasing content only: headings, quotes and callouts in a cell become paragraphs. */
function $flattenCell(cell: TableCellNode): void {
  if (cell.getBackgroundColor()) cell.setBackgroundColor(null);
  for (const child of cell.getChildren()) {
    if ($isHeadingNode(child) || $isQuoteNode(child) || $isCalloutNode(child)) {
      const paragraph = $createParagraphNode();
      paragraph.append(...child.getChildren());
      child.replace(paragraph);
    }
  }
}

function clearBlockFormatting(node: ElementNode): void {
  if (node.getFormatType() !== '') node.setFormat('');
  if (node.getIndent() !== 0) node.setIndent(0);
}

export function registerPasteCleanup(editor: LexicalEditor): () => void {
  return mergeRegister(
    editor.registerNodeTransform(TextNode, (node) => {
      const format = node.getFormat();
      if ((format & ~ALLOWED_TEXT_FORMATS) !== 0) node.setFormat(format & ALLOWED_TEXT_FORMATS);
      if (node.getStyle() !== '') node.setStyle('');
    }),
    editor.registerNodeTransform(HeadingNode, (node) => {
      clearBlockFormatting(node);
      const tag = node.getTag();
      const allowed = allowedHeadingTag(tag);
      if (allowed !== tag) {
        const replacement = $createHeadingNode(allowed);
        replacement.append(...node.getChildren());
        node.replace(replacement);
      }
    }),
    editor.registerNodeTransform(ParagraphNode, clearBlockFormatting),
    editor.registerNodeTransform(QuoteNode, clearBlockFormatting),
    editor.registerNodeTransform(CalloutNode, clearBlockFormatting),
    editor.registerNodeTransform(TableNode, $ensureHeaderRow),
    editor.registerNodeTransform(TableCellNode, $flattenCell),
    editor.registerNodeTransform(LinkNode, (node) => {
      if (!$isLinkNode(node) || isMediaLink(node.getURL())) return;
      const url = checkedUrl(node.getURL());
      if (url === null) {
        // Keep the words, drop the unsafe target.
        for (const child of node.getChildren()) node.insertBefore(child);
        node.remove();
      } else if (url !== node.getURL()) {
        node.setURL(url);
      }
    }),
  );
}
