/**
 * The files of the media library a page body refers to: its images (`sha256`) and its links to
 * files (`media:<sha256>`, [HTML-13]), read leniently from editor-state JSON (hostile input:
 * own properties only, bounded depth). The editor keeps this list in the page's manifest entry
 * (`bodyMedia`) so the media library can say where each file is used without opening bodies.
 */
import { MEDIA_SCHEME } from './renderHtml';

const SHA256_RE = /^[0-9a-f]{64}$/;
const MAX_DEPTH = 64;

function own(node: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

/** Sorted, without duplicates. */
export function bodyMediaRefs(state: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || typeof node !== 'object' || node === null) return;
    const type = own(node, 'type');
    if (type === 'image') {
      const sha = own(node, 'sha256');
      if (typeof sha === 'string' && SHA256_RE.test(sha.toLowerCase())) found.add(sha.toLowerCase());
    } else if (type === 'link' || type === 'autolink') {
      const url = own(node, 'url');
      if (typeof url === 'string' && url.startsWith(MEDIA_SCHEME)) {
        const sha = url.slice(MEDIA_SCHEME.length);
        if (SHA256_RE.test(sha)) found.add(sha);
      }
    }
    const children = own(node, 'children');
    if (Array.isArray(children)) for (const child of children) visit(child, depth + 1);
    visit(own(node, 'root'), depth + 1);
  };
  visit(state, 0);
  return [...found].sort();
}
