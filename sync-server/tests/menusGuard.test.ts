// The menus of the manifest (site/menus.ts) against the sync server's update guard: every
// edit the menu editor makes is accepted in a site room ([MENU-1]).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addMenuEntry, moveMenuEntry, readMenus, removeMenuEntry, renameMenuEntry } from '../../site/menus';
import { createPage } from '../../site/siteDoc';
import { siteRoom } from '../../site/syncProtocol';
import { maxTypeDepthOf, updateProblem } from '../sync/updateGuard';

describe('menus and the update guard', () => {
  it('[MENU-1] adding, nesting, moving, renaming and removing menu entries pass the site room’s guard', () => {
    const client = new Y.Doc();
    const server = new Y.Doc();
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    const page = createPage(client, { title: 'La mairie', updatedBy: 'a' });
    const top = addMenuEntry(client, { menu: 'main', kind: 'page', target: page.id }) as { id: string };
    const sub = addMenuEntry(client, { menu: 'main', kind: 'list', target: 'agenda' }) as { id: string };
    expect(moveMenuEntry(client, sub.id, { parentId: top.id, index: 0 })).toBe('');
    renameMenuEntry(client, top.id, 'Mairie');
    addMenuEntry(client, { menu: 'footer', kind: 'link', target: 'https://a.fr/', label: 'A' });
    removeMenuEntry(client, sub.id);
    expect(updates.length).toBeGreaterThan(5);
    for (const update of updates) {
      expect(updateProblem(server, update, maxTypeDepthOf(siteRoom('13001')))).toBeNull();
      Y.applyUpdate(server, update);
    }
    expect(readMenus(server)).toEqual(readMenus(client));
  });
});
