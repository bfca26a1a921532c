import { createHeadlessEditor } from '@lexical/headless';
import { createYjsBinding, syncLexicalUpdateToYjs } from '@lexical/yjs';
import { SKIP_COLLAB_TAG, type SerializedEditorState } from 'lexical';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  PAGE_NODES,
  pageBodyToEditorState,
  pageBodyToEditorStateDirect,
  writeParagraphs,
  NO_PROVIDER,
} from './pageBody';
import { renderHtml } from './renderHtml';
import { sampleSnapshot } from './sampleSite';
import { PAGE_BODY_ROOT } from './siteDoc';

const provider = NO_PROVIDER;

/** A body doc written by Lexical through the V1 binding, from editor-state JSON. */
function docFrom(state: unknown): Y.Doc {
  const doc = new Y.Doc();
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
  editor.registerUpdateListener((p) => {
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
  editor.setEditorState(editor.parseEditorState(JSON.stringify(state)));
  editor.update(() => {}, { discrete: true });
  return doc;
}

const t = (text: string, format = 0) => ({
  type: 'text',
  text,
  format,
  detail: 0,
  mode: 'normal',
  style: '',
  version: 1,
});
const block = (type: string, children: unknown[], extra: Record<string, unknown> = {}) => ({
  type,
  children,
  direction: null,
  format: '',
  indent: 0,
  version: 1,
  ...extra,
});
const root = (...children: unknown[]) => ({ root: block('root', children) });

describe('direct body reader', () => {
  it('[BODY-7] renders the same HTML as the Lexical reader, for every node of PAGE_NODES', () => {
    const bodies: unknown[] = [
      sampleSnapshot().pages[1]!.body,
      root(
        block('heading', [t('Titre '), t('gras', 1), t(' et <code>', 16)], { tag: 'h3' }),
        block(
          'paragraph',
          [
            t('a'),
            { type: 'tab', text: '\t', format: 0, detail: 2, mode: 'normal', style: '', version: 1 },
            t('b', 2 | 8),
          ],
          { textFormat: 0, textStyle: '' },
        ),
        block('quote', [t('Citation « guillemets »')]),
        block(
          'list',
          [
            block('listitem', [t('un')], { value: 1 }),
            block(
              'listitem',
              [
                block('list', [block('listitem', [t('imbriqué')], { value: 1 })], {
                  listType: 'bullet',
                  start: 1,
                  tag: 'ul',
                }),
              ],
              { value: 2 },
            ),
            block(
              'listitem',
              [
                block('link', [t('lien')], {
                  url: 'https://exemple.fr',
                  rel: null,
                  target: null,
                  title: null,
                }),
              ],
              { value: 3 },
            ),
          ],
          { listType: 'number', start: 3, tag: 'ol' },
        ),
        block('paragraph', [t('ligne'), { type: 'linebreak', version: 1 }, t('suivante 😀 مرحبا')], {
          textFormat: 0,
          textStyle: '',
        }),
        block('paragraph', [], { textFormat: 0, textStyle: '' }),
      ),
    ];
    for (const body of bodies) {
      const doc = docFrom(body);
      const direct = pageBodyToEditorStateDirect(doc);
      expect(direct).not.toBeNull();
      expect(renderHtml(direct)).toBe(renderHtml(pageBodyToEditorState(doc)));
      expect(renderHtml(direct).length).toBeGreaterThan(20);
    }
    const plain = new Y.Doc();
    // Rich blocks: a table with a header row, a callout, images, a link to a PDF.
    const IMG = 'a'.repeat(64);
    const PDF = 'b'.repeat(64);
    const media = (sha: string) =>
      sha === IMG
        ? { mime: 'image/webp', width: 800, height: 600, widths: [400, 800] }
        : sha === PDF
          ? { mime: 'application/pdf', width: 0, height: 0, widths: [], bytes: 3000 }
          : undefined;
    const cell = (words: string, headerState: number) =>
      block('tablecell', [block('paragraph', [t(words)], { textFormat: 0, textStyle: '' })], {
        headerState,
        colSpan: 1,
        rowSpan: 1,
        backgroundColor: null,
      });
    const rich = docFrom(
      root(
        block('table', [
          block('tablerow', [cell('Jour', 1), cell('Horaires', 1)]),
          block('tablerow', [cell('Lundi', 0), cell('9 h', 0)]),
        ]),
        block('callout', [t('Fermé le 15 août')], { variant: 'important' }),
        {
          type: 'image',
          version: 1,
          sha256: IMG,
          altText: 'La place',
          decorative: false,
          caption: 'Le marché',
        },
        { type: 'image', version: 1, sha256: IMG, altText: '', decorative: true, caption: '' },
        block(
          'paragraph',
          [block('link', [t('Arrêté')], { url: `media:${PDF}`, rel: null, target: null, title: null })],
          {
            textFormat: 0,
            textStyle: '',
          },
        ),
      ),
    );
    const richDirect = pageBodyToEditorStateDirect(rich);
    expect(richDirect).not.toBeNull();
    const richHtml = renderHtml(richDirect, { media });
    expect(richHtml).toBe(renderHtml(pageBodyToEditorState(rich), { media }));
    expect(richHtml).toContain('<th scope="col">Jour</th>');
    expect(richHtml).toContain('<div class="callout callout-important" role="note">');
    expect(richHtml).toContain('alt="La place"');
    expect(richHtml).toContain('(PDF, 3 Ko)');

    writeParagraphs(plain, ['Un', '', 'Trois']);
    expect(renderHtml(pageBodyToEditorStateDirect(plain))).toBe(renderHtml(pageBodyToEditorState(plain)));
    expect(pageBodyToEditorStateDirect(new Y.Doc())).toEqual({ root: { type: 'root', children: [] } });
  });

  it('[BODY-7] a node type it does not know sends the caller to Lexical (null); the doc is never written', () => {
    const doc = docFrom(root(block('paragraph', [t('x')], { textFormat: 0, textStyle: '' })));
    const element = new Y.XmlText();
    doc.transact(() => {
      doc.get(PAGE_BODY_ROOT, Y.XmlText).insertEmbed(0, element);
      element.setAttribute('__type', 'youtube');
    });
    const decorator = new Y.XmlElement();
    doc.transact(() => {
      doc.get(PAGE_BODY_ROOT, Y.XmlText).insertEmbed(0, decorator);
      decorator.setAttribute('__type', 'poll');
    });
    const before = Y.encodeStateVector(doc);
    expect(pageBodyToEditorStateDirect(doc)).toBeNull();
    expect(Y.encodeStateVector(doc)).toEqual(before);
    const state: SerializedEditorState | null = pageBodyToEditorStateDirect(
      docFrom(root(block('paragraph', [], { textFormat: 0, textStyle: '' }))),
    );
    expect(state).not.toBeNull();
  });
});
