// Lexical updates of the rich page body ($ functions: run inside editor.update): insert a table
// with a header row, an image, a link to a file of the media library; change an image. Kept out
// of the toolbar so they are tested headless (richBody.test.ts).
import { $createLinkNode } from '@lexical/link';
import {
  $createTableNodeWithDimensions,
  $deleteTableColumnAtSelection,
  $deleteTableRowAtSelection,
  $findTableNode,
  $insertTableColumnAtSelection,
  $insertTableRowAtSelection,
  $isTableSelection,
} from '@lexical/table';
import { $insertNodeToNearestRoot } from '@lexical/utils';
import {
  $createParagraphNode,
  $createTextNode,
  $getNodeByKey,
  $getRoot,
  $getSelection,
  $isElementNode,
  $isNodeSelection,
  $isRangeSelection,
  $isTextNode,
  type LexicalNode,
  type NodeKey,
} from 'lexical';
import { $createImageNode, $isImageNode, type ImageData } from '../../../site/bodyNodes/ImageNode';
import { MEDIA_SCHEME } from '../../../site/renderHtml';

/**
 * Puts a block at the selection (split there), after the table when the caret is in one (cells
 * hold text only), or at the end; text can always go on below it.
 */
function $insertBlock(node: LexicalNode): void {
  const selection = $getSelection();
  const table = $isRangeSelection(selection) ? $findTableNode(selection.anchor.getNode()) : null;
  if (table) table.insertAfter(node);
  else if ($isRangeSelection(selection) || $isNodeSelection(selection)) $insertNodeToNearestRoot(node);
  else $getRoot().append(node);
  if (node.getNextSibling() === null) node.insertAfter($createParagraphNode());
}

/**
 * A table of `rows` × `columns` whose first row is header cells, with the caret in its first
 * cell. Refused (false) inside a table: the site publishes no nested table.
 */
export function $insertTable(rows: number, columns: number): boolean {
  const selection = $getSelection();
  if ($isRangeSelection(selection) && $findTableNode(selection.anchor.getNode())) return false;
  const table = $createTableNodeWithDimensions(rows, columns, { rows: true, columns: false });
  $insertBlock(table);
  // During this update the first cell still holds an empty text node (normalized away later).
  const first = table.getFirstDescendant();
  if ($isTextNode(first)) first.select(0, 0);
  else if ($isElementNode(first)) first.selectStart();
  return true;
}

export type TableEdit = 'row-below' | 'column-right' | 'delete-row' | 'delete-column' | 'delete-table';

/** True when the caret (or a cell selection) is in a table. */
export function $isInTable(): boolean {
  const selection = $getSelection();
  return (
    ($isRangeSelection(selection) || $isTableSelection(selection)) &&
    $findTableNode(selection.anchor.getNode()) !== null
  );
}

/**
 * Changes the table at the caret: a row below (never a header row) or a column on the right (the
 * caret goes into it), or
 * removes the row, the column or the whole table (the caret then goes to the text after it).
 * False when the caret is not in a table.
 */
export function $editTable(edit: TableEdit): boolean {
  const selection = $getSelection();
  if (!($isRangeSelection(selection) || $isTableSelection(selection))) return false;
  const table = $findTableNode(selection.anchor.getNode());
  if (!table) return false;
  switch (edit) {
    // The caret goes into the new row (its first cell) or the new cell of its row.
    case 'row-below':
      $insertTableRowAtSelection(true)?.selectStart();
      return true;
    case 'column-right':
      $insertTableColumnAtSelection(true)?.selectStart();
      return true;
    case 'delete-row':
      $deleteTableRowAtSelection();
      return true;
    case 'delete-column':
      $deleteTableColumnAtSelection();
      return true;
    case 'delete-table': {
      const next = table.getNextSibling() ?? table.getPreviousSibling();
      table.remove();
      if (next) next.selectStart();
      else $getRoot().append($createParagraphNode()).selectStart();
      return true;
    }
  }
}

export function $insertImage(data: ImageData): void {
  const image = $createImageNode(data);
  $insertBlock(image);
  image.selectNext();
}

/** Changes the alt text, decorative mark or caption of the image `key` (false if it is gone). */
export function $updateImage(key: NodeKey, data: Omit<ImageData, 'sha256'>): boolean {
  const node = $getNodeByKey(key);
  if (!$isImageNode(node)) return false;
  node.setData(data);
  return true;
}

export function fileLinkUrl(sha256: string): string {
  return `${MEDIA_SCHEME}${sha256}`;
}

/** A link to a file of the media library, in place of the selected words (or at the caret). */
export function $insertFileLink(sha256: string, text: string): void {
  const link = $createLinkNode(fileLinkUrl(sha256)).append($createTextNode(text));
  const selection = $getSelection();
  if ($isRangeSelection(selection)) {
    selection.insertNodes([link]);
  } else {
    const paragraph = $createParagraphNode().append(link);
    $getRoot().append(paragraph);
  }
  link.selectEnd();
}
