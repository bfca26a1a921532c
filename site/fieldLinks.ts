/**
 * Links made from structured fields and settings (an association's website, a contact
 * e-mail, a phone number, the service-public.fr page): stricter than the body's safeHref,
 * because a field holds one address and nothing else. Web addresses must have an http(s)
 * scheme and a plain host name; characters a URL may not contain are percent-encoded, so
 * the published href is always a valid URL (Nu HTML Checker) and never active content.
 */
import { safeHref } from './renderHtml';

const HOST =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;
/** RFC 3986 characters allowed in a path, query or fragment (with `%` of a valid escape). */
const URL_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]/;

function encodeChar(ch: string): string {
  try {
    return encodeURIComponent(ch);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: the replacement character
  }
}

/** `https://host[:port]/…`, percent-encoded where needed, or null. */
export function webHref(raw: string): string | null {
  const value = raw.trim();
  const m = /^(https?):\/\/([^/?#:]+)(?::(\d{1,5}))?([/?#].*)?$/i.exec(value);
  if (!m || !HOST.test(m[2]!) || value.length > 2048) return null;
  if (m[3] !== undefined && Number(m[3]) > 65535) return null;
  let rest = '';
  const chars = Array.from(m[4] ?? '');
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const escape = ch === '%' && /^[0-9A-Fa-f]{2}$/.test(`${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}`);
    rest += escape || URL_CHAR.test(ch) ? ch : encodeChar(ch);
  }
  // A second `#` is not allowed in a URL.
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash + 1) + rest.slice(hash + 1).replace(/#/g, '%23');
  const href = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3] ? `:${m[3]}` : ''}${rest}`;
  return safeHref(href);
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** `mailto:` of a plain e-mail address, or null. */
export function mailHref(raw: string): string | null {
  const value = raw.trim();
  return value.length <= 320 && EMAIL.test(value) ? safeHref(`mailto:${value}`) : null;
}

/** `tel:` of a phone number (digits and a leading +), or null. */
export function telHref(raw: string): string | null {
  const digits = raw.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return /^\+?\d{4,20}$/.test(digits) ? safeHref(`tel:${digits}`) : null;
}
