/**
 * The hrefs we publish. `safeHref` is the security allow-list (schemes, no protocol-relative
 * or root-absolute paths, no controls). On top of it, every published href is a *valid* URL
 * (Nu HTML Checker): web addresses need an http(s) scheme and a plain host name, characters a
 * URL may not contain are percent-encoded, e-mail addresses and phone numbers are checked.
 * Fields and settings hold one address each (`webHref`, `mailHref`, `telHref`); a link of a
 * page body may also be relative (`bodyHref`). Anything refused is published as plain text.
 */
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
const MAX_HREF_LENGTH = 2048;

/**
 * The href to publish for a link, or null when the link must be rendered as plain text.
 * Allowed: http:, https:, mailto:, tel:, and relative paths (`page/index.html`, `../x`,
 * `./x`, `#ancre`, `?q`). Refused: every other scheme, protocol-relative `//host`,
 * root-absolute `/x` (breaks a site opened from a folder), backslashes, controls, spaces.
 */
export function safeHref(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const href = raw.trim();
  if (href === '' || href.length > MAX_HREF_LENGTH) return null;
  // Browsers strip tabs and newlines inside URLs (`java\nscript:`) and treat `\` as `/`.
  if (/[\u0000-\u0020\u007F-\u009F\\]/.test(href)) return null;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(href);
  if (scheme) return SAFE_SCHEMES.has(scheme[1]!.toLowerCase()) ? href : null;
  if (href.startsWith('/')) return null;
  // No scheme: a colon before the first `/`, `?` or `#` would still be read as one.
  const firstSegment = href.split(/[/?#]/, 1)[0] ?? '';
  if (firstSegment.includes(':')) return null;
  return href;
}

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
  const rest = encodeUrlPart(m[4] ?? '');
  const href = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3] ? `:${m[3]}` : ''}${rest}`;
  return safeHref(href);
}

/** Percent-encodes what a URL's path, query or fragment may not contain; one `#` at most. */
function encodeUrlPart(part: string): string {
  let out = '';
  const chars = Array.from(part);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const escape = ch === '%' && /^[0-9A-Fa-f]{2}$/.test(`${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}`);
    out += escape || URL_CHAR.test(ch) ? ch : encodeChar(ch);
  }
  // A second `#` is not allowed in a URL.
  const hash = out.indexOf('#');
  return hash >= 0 ? out.slice(0, hash + 1) + out.slice(hash + 1).replace(/#/g, '%23') : out;
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

/**
 * The href of a link in a page body ([HTML-5]), or null (plain text): `safeHref`'s allow-list,
 * then a valid URL — http(s) as `webHref`, `mailto:` with a checked address (its `?subject=…`
 * kept, encoded), `tel:` as `telHref`, a relative path percent-encoded.
 */
export function bodyHref(raw: unknown): string | null {
  const href = safeHref(raw);
  if (href === null) return null;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(href)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return webHref(href);
  if (scheme === 'tel') return telHref(href.slice(4));
  if (scheme === 'mailto') {
    const rest = href.slice(7);
    const q = rest.indexOf('?');
    const address = mailHref(decodeSafely(q >= 0 ? rest.slice(0, q) : rest));
    return address && q >= 0 ? safeHref(address + encodeUrlPart(rest.slice(q))) : address;
  }
  return safeHref(encodeUrlPart(href));
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
