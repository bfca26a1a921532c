/**
 * An image of the media library in a page body: a block DecoratorNode holding a reference
 * (sha256), never bytes, with its alternative text, the « décorative » mark and a caption.
 * Serialized as `{ type: 'image', sha256, altText, decorative, caption }`, the JSON
 * `renderHtml` publishes ([HTML-11]) and `checkSite` checks ([CHK-1]).
 *
 * site/ stays free of React: what the editor shows is produced by a decorator the renderer
 * installs at startup (`installImageDecorator`); without one (server, tests) it is null.
 */
import {
  $applyNodeReplacement,
  DecoratorNode,
  type EditorConfig,
  type LexicalNode,
  type SerializedPartial,
  type NodeKey,
  type SerializedLexicalNode,
  type Spread,
} from 'lexical';

export interface ImageData {
  sha256: string;
  altText: string;
  decorative: boolean;
  caption: string;
}

export type SerializedImageNode = Spread<ImageData, SerializedLexicalNode>;

/** What importJSON accepts: any field may be missing or of the wrong type. */
type ImageJSON = SerializedPartial<SerializedLexicalNode> & Partial<Record<keyof ImageData, unknown>>;

/** What the editor shows for an image (a React element in the renderer; typed `unknown` here). */
export type ImageDecorator = (data: ImageData, nodeKey: NodeKey) => unknown;

let installedDecorator: ImageDecorator | null = null;

/** Installs the editor's view of images; returns its disposer. */
export function installImageDecorator(decorator: ImageDecorator): () => void {
  installedDecorator = decorator;
  return () => {
    if (installedDecorator === decorator) installedDecorator = null;
  };
}

const SHA256_RE = /^[0-9a-f]{64}$/;
const MAX_TEXT = 1000;

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
}

/** Hostile JSON (pasted, or from another editor) becomes a well-typed image. */
export function toImageData(json: Partial<Record<keyof ImageData, unknown>>): ImageData {
  const sha = typeof json.sha256 === 'string' ? json.sha256.toLowerCase() : '';
  return {
    sha256: SHA256_RE.test(sha) ? sha : '',
    altText: text(json.altText),
    decorative: json.decorative === true,
    caption: text(json.caption),
  };
}

export class ImageNode extends DecoratorNode<unknown> {
  __sha256: string;
  __altText: string;
  __decorative: boolean;
  __caption: string;

  static override getType(): string {
    return 'image';
  }

  static override clone(node: ImageNode): ImageNode {
    return new ImageNode(node.getData(), node.__key);
  }

  static override importJSON(json: ImageJSON): ImageNode {
    return $createImageNode(toImageData(json)).updateFromJSON(json);
  }

  /** Called without arguments by @lexical/yjs, which then copies the `__` properties. */
  constructor(data?: ImageData, key?: NodeKey) {
    super(key);
    this.__sha256 = data?.sha256 ?? '';
    this.__altText = data?.altText ?? '';
    this.__decorative = data?.decorative ?? false;
    this.__caption = data?.caption ?? '';
  }

  override updateFromJSON(json: ImageJSON): this {
    const data = toImageData(json);
    const self = super.updateFromJSON(json).getWritable();
    self.__sha256 = data.sha256;
    self.__altText = data.altText;
    self.__decorative = data.decorative;
    self.__caption = data.caption;
    return self;
  }

  override exportJSON(): SerializedImageNode {
    return { ...super.exportJSON(), type: 'image', version: 1, ...this.getData() };
  }

  getData(): ImageData {
    const self = this.getLatest();
    return {
      sha256: self.__sha256,
      altText: self.__altText,
      decorative: self.__decorative,
      caption: self.__caption,
    };
  }

  /** Changes the alt text, the decorative mark or the caption (the file stays). */
  setData(data: Omit<ImageData, 'sha256'>): this {
    const self = this.getWritable();
    self.__altText = text(data.altText);
    self.__decorative = data.decorative === true;
    self.__caption = text(data.caption);
    return self;
  }

  // Only the browser editor reconciles to the DOM; headless editors never call this.
  override createDOM(config: EditorConfig): HTMLElement {
    const element = document.createElement('div');
    const className = (config.theme as { image?: string }).image;
    if (className) element.className = className;
    return element;
  }

  override updateDOM(): false {
    return false;
  }

  override isInline(): false {
    return false;
  }

  override getTextContent(): string {
    const self = this.getLatest();
    return self.__decorative ? '' : self.__altText;
  }

  override decorate(): unknown {
    return installedDecorator ? installedDecorator(this.getData(), this.getKey()) : null;
  }
}

export function $createImageNode(data: ImageData): ImageNode {
  return $applyNodeReplacement(new ImageNode(toImageData(data)));
}

export function $isImageNode(node: LexicalNode | null | undefined): node is ImageNode {
  return node instanceof ImageNode;
}
