/**
 * A commune's data as a whole (convention art. 3: the commune owns it; art. 11: it gets it back;
 * RGPD art. 13): the export as one zip in open formats, and the deletion at the end of the
 * agreement. The zip holds every document as Yjs binary and as readable JSON, the published
 * site, the media (metadata and files), the commune's agents (never a password hash), and its
 * audit log.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import yazl from 'yazl';
import * as Y from 'yjs';
import { pageBodyToEditorState } from '../../site/pageBody';
import {
  MANIFEST_MAX_TYPE_DEPTH,
  MANIFEST_MEDIA,
  MANIFEST_PAGES,
  MANIFEST_SETTINGS,
  nestedTypeDepth,
  PAGE_BODY_MAX_TYPE_DEPTH,
  PAGE_BODY_ROOT,
} from '../../site/siteDoc';
import { readComments } from '../../site/pageComments';
import { parseRoom } from '../../site/syncProtocol';
import type { Accounts } from '../accounts/Accounts';
import { communeAuditView, type AuditLog } from '../observability/AuditLog';
import { sha256OfStream } from './backupCopy';
import { mediaDirOf, siteDirOf } from '../storage/safePaths';
import { exportedSiteFile } from '../publishing/search/exportedSite';
import type { SqliteDatabase } from '../storage/database';
import type { DocStore } from '../storage/DocStore';

export interface CommuneDataOptions {
  db: SqliteDatabase;
  /** Published versions' root (SITES_DIR, default `{dataDir}/sites`). */
  sitesDir: string;
  /** The media library's root (MEDIA_DIR, default `{dataDir}/media`). */
  mediaDir: string;
  store: DocStore;
  accounts: Accounts;
  audit: AuditLog;
  /** Current state of a room (from memory when open, else from the store). */
  readDoc: (room: string) => Promise<Y.Doc>;
  now?: () => number;
  /**
   * Cluster mode: deletes the commune's rows the nodes share in PostgreSQL (publication log,
   * schedules, actes, page releases, page history), after those of DATA_DIR.
   */
  deleteShared?: (insee: string) => Promise<void>;
}

/** A part of a document the export could not make readable (it is still in the `.yjs`). */
export interface UnreadablePart {
  room: string;
  /** The page concerned, when the part is a page entry of the manifest. */
  pageId?: string;
  /** French. */
  reason: string;
}

const TOO_DEEP_FR = 'imbriqué plus profondément que le modèle ne le permet';

/**
 * JSON of one value of a doc, checked: a type nested more than `nesting` levels below it, a
 * conversion that throws, or a result JSON cannot write (plain values nested too deep, written
 * before the server bounded them) gives a French reason instead.
 */
function readableValue(value: unknown, nesting: number): { json: unknown } | { reason: string } {
  try {
    if (value instanceof Y.AbstractType && nestedTypeDepth(value, nesting) > nesting)
      return { reason: TOO_DEEP_FR };
    const json: unknown = value instanceof Y.AbstractType ? value.toJSON() : value;
    JSON.stringify(json);
    return { json };
  } catch (error) {
    return { reason: `illisible (${error instanceof Error ? error.message : String(error)})` };
  }
}

/**
 * Readable JSON of a document, following the layout of DESIGN.md. Each entry of the manifest
 * is read on its own: one that cannot be read is replaced by `{ "illisible": reason }` and
 * listed in `unreadable`, and never stops the others.
 */
export function docToJson(room: string, doc: Y.Doc, unreadable: UnreadablePart[] = []): unknown {
  const parsed = parseRoom(room);
  if (parsed?.kind === 'site') {
    // Nesting allowed below each entry: settings hold plain values, a page entry (depth 1)
    // holds the rest of the schema, a media entry holds plain values.
    const maps: Array<[string, number]> = [
      [MANIFEST_SETTINGS, 0],
      [MANIFEST_PAGES, MANIFEST_MAX_TYPE_DEPTH - 1],
      [MANIFEST_MEDIA, 0],
    ];
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, nesting] of maps) {
      const entries: Record<string, unknown> = {};
      doc.getMap(name).forEach((value, key) => {
        const read = readableValue(value, nesting);
        if ('json' in read) entries[key] = read.json;
        else {
          entries[key] = { illisible: read.reason };
          unreadable.push({
            room,
            ...(name === MANIFEST_PAGES ? { pageId: key } : {}),
            reason: `${name}.${key} : ${read.reason}`,
          });
        }
      });
      out[name] = entries;
    }
    return out;
  }
  try {
    if (
      nestedTypeDepth(doc.get(PAGE_BODY_ROOT, Y.XmlText), PAGE_BODY_MAX_TYPE_DEPTH) > PAGE_BODY_MAX_TYPE_DEPTH
    )
      throw new Error(TOO_DEEP_FR);
    // Comments (never published) are kept in the export beside the body.
    return { editorState: pageBodyToEditorState(doc), comments: readComments(doc) };
  } catch (error) {
    const reason = `contenu illisible : ${error instanceof Error ? error.message : String(error)}`;
    unreadable.push({ room, ...(parsed?.kind === 'page' ? { pageId: parsed.pageId } : {}), reason });
    return { error: reason };
  }
}

function filesUnder(dir: string, prefix = ''): Array<{ rel: string; abs: string }> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: Array<{ rel: string; abs: string }> = [];
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(abs, rel));
    else if (entry.isFile()) out.push({ rel, abs });
  }
  return out;
}

const README_FR = (
  name: string,
  insee: string,
  at: string,
) => `Export des données de la commune ${name} (INSEE ${insee})
Usine à sites — Métropole Aix-Marseille-Provence — ${at}

Contenu (formats ouverts, convention art. 3 et 11) :
  documents/<salon>.yjs    chaque document, état Yjs complet (binaire, Y.applyUpdate)
  documents/<salon>.json   le même document en JSON lisible (réglages, pages, médias ;
                           corps de page au format JSON de l'éditeur Lexical)
  site/                    le site publié tel qu'il est en ligne (HTML + CSS, liens relatifs)
  medias.json              la liste des médias du site (nom, type, taille, texte alternatif)
  media/                   les fichiers des médias, nommés par leur empreinte SHA-256
  agents.json              les agents de la commune et leurs rôles (sans mot de passe)
  journal.json             le journal d'audit de la commune
  rapport.json             les parties de documents illisibles (imbrication trop profonde…),
                           gardées telles quelles dans documents/<salon>.yjs
  manifest.json            la liste des fichiers avec leur empreinte SHA-256
`;

export class CommuneData {
  private readonly options: CommuneDataOptions;
  private readonly now: () => number;

  constructor(options: CommuneDataOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the commune's complete data as a zip into `file` (through `file.partial`, renamed
   * when complete). Streamed: media and site files go from disk to the zip without being held
   * in memory, the zip goes to disk as it is built; only one document is in memory at a time.
   */
  async exportToFile(insee: string, file: string): Promise<{ bytes: number }> {
    const { accounts, store, audit, readDoc } = this.options;
    const commune = accounts.commune(insee);
    if (!commune) throw new Error(`unknown commune ${insee}`);
    // Checked before anything is read: a tampered slug names no folder outside SITES_DIR.
    const { siteDir, mediaDir } = this.foldersOf(insee);
    const zip = new yazl.ZipFile();
    const manifest: Array<{ path: string; bytes: number; sha256: string }> = [];
    const mtime = new Date(this.now());
    const add = (data: Buffer, name: string) => {
      manifest.push({
        path: name,
        bytes: data.length,
        sha256: crypto.createHash('sha256').update(data).digest('hex'),
      });
      zip.addBuffer(data, name, { mtime });
    };
    const addFile = async (abs: string, name: string) => {
      manifest.push({ path: name, bytes: fs.statSync(abs).size, sha256: await sha256OfStream(abs) });
      zip.addFile(abs, name, { mtime });
    };
    const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
    const partial = `${file}.partial`;
    const written = pipeline(zip.outputStream, fs.createWriteStream(partial));
    try {
      let media: unknown = {};
      const unreadable: UnreadablePart[] = [];
      for (const { room, seq } of await store.listRooms(insee)) {
        const doc = await readDoc(room);
        const name = room.slice(insee.length + 1).replace(/\//g, '-');
        add(Buffer.from(Y.encodeStateAsUpdate(doc)), `documents/${name}.yjs`);
        const readable = docToJson(room, doc, unreadable);
        add(json({ room, seq, content: readable }), `documents/${name}.json`);
        if (parseRoom(room)?.kind === 'site') media = (readable as Record<string, unknown>)[MANIFEST_MEDIA];
        doc.destroy();
      }
      add(json(media), 'medias.json');
      // What could not be made readable (its Yjs state is still in documents/*.yjs).
      add(json({ illisibles: unreadable }), 'rapport.json');
      // The media files themselves (content-addressed: {sha256}.{ext}), as uploaded.
      for (const { rel, abs } of filesUnder(mediaDir)) await addFile(abs, `media/${rel}`);
      let currentDir: string | null = null;
      try {
        currentDir = fs.realpathSync(path.join(siteDir, 'current'));
        // `current` is the server's own link into versions/: anything else is not exported.
        if (path.relative(fs.realpathSync(siteDir), currentDir).startsWith('..')) currentDir = null;
      } catch {
        currentDir = null;
      }
      for (const { rel, abs } of currentDir ? filesUnder(currentDir) : []) {
        const exported = exportedSiteFile(rel, abs);
        if (exported === 'as-is') await addFile(abs, `site/${rel}`);
        else if (exported !== 'skip') add(exported, `site/${rel}`);
      }
      add(
        json(
          (await accounts.listAgents(insee)).map((a) => ({
            email: a.email,
            displayName: a.displayName,
            disabled: a.disabled,
            role: a.roles.find((r) => r.insee === insee)?.role,
          })),
        ),
        'agents.json',
      );
      // The commune's view: no address nor agent id of anyone outside it (issue #9, finding 11).
      add(
        json(await communeAuditView(await audit.list({ insee, limit: 100_000 }), insee, accounts)),
        'journal.json',
      );
      const at = mtime.toISOString();
      add(Buffer.from(README_FR(commune.name, insee, at), 'utf8'), 'LISEZMOI.txt');
      zip.addBuffer(json({ commune, exportedAt: at, files: manifest }), 'manifest.json', { mtime });
      zip.end();
      await written;
      fs.renameSync(partial, file);
      return { bytes: fs.statSync(file).size };
    } catch (error) {
      (zip.outputStream as unknown as Readable).destroy();
      await written.catch(() => {});
      fs.rmSync(partial, { force: true });
      throw error;
    }
  }

  /**
   * The commune's site and media folders, checked (safePaths.ts); throws UnsafePathError when
   * its stored slug or code would lead outside DATA_DIR. Called before a deletion starts.
   */
  foldersOf(insee: string): { siteDir: string; mediaDir: string } {
    const commune = this.options.accounts.commune(insee);
    if (!commune) throw new Error(`unknown commune ${insee}`);
    return {
      siteDir: siteDirOf(this.options.sitesDir, commune.slug),
      mediaDir: mediaDirOf(this.options.mediaDir, insee),
    };
  }

  /** The commune's complete data as a zip in memory (small communes, tests). */
  async exportZip(insee: string): Promise<Buffer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usine-export-'));
    try {
      const file = path.join(dir, 'export.zip');
      await this.exportToFile(insee, file);
      return fs.readFileSync(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Deletes the commune's documents, published site and publications, and its agents' roles
   * (agents left with no role anywhere are deleted). The audit log keeps its rows (legal
   * traceability); backups keep older copies until their retention ends.
   */
  async deleteAll(
    insee: string,
  ): Promise<{ documents: number; rolesRemoved: number; agentsDeleted: number; site: boolean }> {
    const { accounts, store, db } = this.options;
    // Checked before anything is deleted: a recursive delete never runs outside DATA_DIR.
    const { siteDir, mediaDir } = this.foldersOf(insee);
    // No sync connection from now on, not even an administrator's (see Accounts).
    await accounts.markCommuneDataDeleted(insee);
    const documents = await store.deleteCommune(insee);
    const site = fs.existsSync(siteDir);
    fs.rmSync(siteDir, { recursive: true, force: true });
    fs.rmSync(mediaDir, { recursive: true, force: true });
    // The publisher's tables (created by Publisher when it starts): history, events, schedule,
    // actes per version; and the page history (PageSnapshots).
    for (const table of [
      'publications',
      'publication_events',
      'scheduled_publications',
      'published_actes',
      'version_actes',
      'page_snapshots',
    ]) {
      const exists = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table);
      if (exists) db.prepare(`DELETE FROM ${table} WHERE insee = ?`).run(insee);
    }
    await this.options.deleteShared?.(insee);
    const { rolesRemoved, agentsDeleted } = await accounts.removeCommuneAgents(insee);
    return { documents, rolesRemoved, agentsDeleted: agentsDeleted.length, site };
  }
}
