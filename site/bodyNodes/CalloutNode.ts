/**
 * A callout box (« Encadré ») in a page body: a block holding text like a quote, published as
 * `<div class="callout" role="note">` ([HTML-12]). `variant` is `info` (default) or
 * `important` (`callout-important` on the site). Enter at its end continues with a paragraph
 * after it; Backspace at its start turns it back into a paragraph.
 */
import {
  $applyNodeReplacement,
  $createParagraphNode,
  type EditorConfig,
  ElementNode,
  type LexicalNode,
  type LexicalUpdateJSON,
  type NodeKey,
  type ParagraphNode,
  type RangeSelection,
  type SerializedElementNode,
  type Spread,
} from 'lexical';

export type CalloutVariant = 'info' | 'important';

export type SerializedCalloutNode = Spread<{ variant: CalloutVariant }, SerializedElementNode>;

function toVariant(value: unknown): CalloutVariant {
  return value === 'important' ? 'important' : 'info';
}

export class CalloutNode extends ElementNode {
  __variant: CalloutVariant;

  static override getType(): string {
    return 'callout';
  }

  static override clone(node: CalloutNode): CalloutNode {
    return new CalloutNode(node.__variant, node.__key);
  }

  static override importJSON(json: SerializedCalloutNode): CalloutNode {
    return $createCalloutNode().updateFromJSON(json);
  }

  /** Called without arguments by @lexical/yjs, which then copies the `__` properties. */
  constructor(variant: CalloutVariant = 'info', key?: NodeKey) {
    super(key);
    this.__variant = variant;
  }

  override updateFromJSON(json: LexicalUpdateJSON<SerializedCalloutNode>): this {
    return super.updateFromJSON(json).setVariant(toVariant(json.variant));
  }

  override exportJSON(): SerializedCalloutNode {
    return { ...super.exportJSON(), type: 'callout', version: 1, variant: this.getVariant() };
  }

  getVariant(): CalloutVariant {
    return toVariant(this.getLatest().__variant);
  }

  setVariant(variant: CalloutVariant): this {
    const self = this.getWritable();
    self.__variant = toVariant(variant);
    return self;
  }

  // Only the browser editor reconciles to the DOM; headless editors never call this.
  override createDOM(config: EditorConfig): HTMLElement {
    const element = document.createElement('div');
    this.applyClass(element, config);
    return element;
  }

  override updateDOM(prevNode: CalloutNode, dom: HTMLElement, config: EditorConfig): boolean {
    if (prevNode.__variant !== this.__variant) this.applyClass(dom, config);
    return false;
  }

  private applyClass(element: HTMLElement, config: EditorConfig): void {
    const theme = config.theme as { callout?: string; calloutImportant?: string };
    element.className = [theme.callout, this.__variant === 'important' ? theme.calloutImportant : '']
      .filter(Boolean)
      .join(' ');
  }

  override insertNewAfter(_selection: RangeSelection, restoreSelection = true): ParagraphNode {
    const paragraph = $createParagraphNode();
    this.insertAfter(paragraph, restoreSelection);
    return paragraph;
  }

  override collapseAtStart(): true {
    const paragraph = $createParagraphNode();
    paragraph.append(...this.getChildren());
    this.replace(paragraph);
    return true;
  }

  override canMergeWhenEmpty(): true {
    return true;
  }
}

export function $createCalloutNode(variant: CalloutVariant = 'info'): CalloutNode {
  return $applyNodeReplacement(new CalloutNode(variant));
}

export function $isCalloutNode(node: LexicalNode | null | undefined): node is CalloutNode {
  return node instanceof CalloutNode;
}
