/**
 * Addresses that never break, on the server side (site/SPEC.md [ADDR-*]): the address map of a
 * published version is stored in its directory (`.adresses.json`, never served), so a rollback
 * rolls it back too; an address no file answers is looked up in the map of the version online:
 * `301` to the page's current address, `410` with the site's themed page, or nothing (the 404).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  type AddressLookup,
  type AddressMap,
  addressLookup,
  answerAddress,
  emptyAddressMap,
  isSiteAddress,
  MAX_ADDRESS_LENGTH,
  parseAddressMap,
} from '../../site/addressMap';
import { GONE_FILE } from '../../site/gonePage';
import { themedNotFound } from './staticFiles';

/** The map's file in a version directory; a dot file, refused by `isHiddenSitePath`. */
export const ADDRESS_FILE = '.adresses.json';
/** A stored map larger than this is not read (a tampered file). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Version maps kept in memory by the server (versions are immutable). */
const CACHE_VERSIONS = 64;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The map of a version; empty when it has none (published before addresses were kept). */
export async function readAddressFile(versionDir: string): Promise<AddressMap> {
  try {
    const file = path.join(versionDir, ADDRESS_FILE);
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return emptyAddressMap();
    return parseAddressMap(await fs.readFile(file, 'utf8'));
  } catch {
    return emptyAddressMap();
  }
}

export type MissingAnswer = { status: 301; location: string } | { status: 410; html: string } | null;

/** Looks up, for the server, the addresses no file answers. */
export class SiteAddresses {
  private readonly cache = new Map<string, AddressLookup>();

  private async lookup(versionDir: string): Promise<AddressLookup> {
    const hit = this.cache.get(versionDir);
    if (hit) return hit;
    const lookup = addressLookup(await readAddressFile(versionDir));
    if (this.cache.size >= CACHE_VERSIONS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(versionDir, lookup);
    return lookup;
  }

  /**
   * The answer for `rest` (the raw path below `/sites/{slug}/`) in the version online at
   * `versionDir`, or null for the plain 404.
   */
  async answer(versionDir: string, slug: string, rest: string): Promise<MissingAnswer> {
    if (!SLUG.test(slug) || rest.length > 3 * MAX_ADDRESS_LENGTH) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return null;
    }
    const answer = answerAddress(await this.lookup(versionDir), decoded);
    switch (answer.kind) {
      case 'moved':
        // [ADDR-5] Only a checked address of this same site, absolute path, no host.
        if (!isSiteAddress(answer.location)) return null;
        return { status: 301, location: `/sites/${slug}/${answer.location}` };
      case 'gone': {
        const html = await themedNotFound(versionDir, slug, GONE_FILE);
        return html ? { status: 410, html } : null;
      }
      case 'unknown':
        return null;
    }
  }
}
