// Comparison of two versions of a page body, block by block (paragraphs, headings, list
// items…): what an agent needs to decide whether to restore an older version.
import type { SerializedEditorState, SerializedLexicalNode } from 'lexical';

export interface Block {
  kind: string;
  text: string;
}

export type DiffLine = { op: 'same' | 'added' | 'removed'; block: Block };

type Json = SerializedLexicalNode & { children?: Json[]; text?: string; tag?: string; listType?: string };

function textOf(node: Json): string {
  if (typeof node.text === 'string') return node.text;
  if (node.type === 'linebreak') return '\n';
  return (node.children ?? []).map(textOf).join('');
}

const KIND_FR: Record<string, string> = {
  paragraph: 'Paragraphe',
  quote: 'Citation',
  listitem: 'Élément de liste',
};

/** Top-level blocks of a body, list items one by one. */
export function blocksOf(state: SerializedEditorState): Block[] {
  const out: Block[] = [];
  const visit = (node: Json) => {
    if (node.type === 'list') {
      for (const item of node.children ?? []) visit(item);
      return;
    }
    const kind =
      node.type === 'heading'
        ? `Titre ${String(node.tag ?? '').replace('h', '')}`
        : (KIND_FR[node.type] ?? node.type);
    out.push({ kind, text: textOf(node) });
  };
  for (const child of ((state.root as unknown as Json).children ?? []) as Json[]) visit(child);
  return out;
}

/** Longest-common-subsequence diff of two block lists (O(n·m), pages are small). */
export function diffBlocks(before: readonly Block[], after: readonly Block[]): DiffLine[] {
  const same = (a: Block, b: Block) => a.kind === b.kind && a.text === b.text;
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = same(before[i]!, after[j]!)
        ? lcs[i + 1]![j + 1]! + 1
        : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (same(before[i]!, after[j]!)) {
      out.push({ op: 'same', block: after[j]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: 'removed', block: before[i++]! });
    else out.push({ op: 'added', block: after[j++]! });
  }
  while (i < n) out.push({ op: 'removed', block: before[i++]! });
  while (j < m) out.push({ op: 'added', block: after[j++]! });
  return out;
}
