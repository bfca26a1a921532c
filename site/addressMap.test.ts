// Pure address-map logic (SPEC.md [ADDR-*]): chains, loops, takeovers, bounds, hostile input.
import { describe, expect, it } from 'vitest';
import {
  type AddressMap,
  addressKey,
  addressLookup,
  answerAddress,
  formerAddressesOf,
  isSiteAddress,
  MAX_FORMER_ADDRESSES,
  nextAddressMap,
  parseAddressMap,
} from './addressMap';

/** One publication: page id → slug (`null` for the home). */
function publish(previous: AddressMap | null, pages: Record<string, string | null>, at: number): AddressMap {
  const paths = new Map<string, string>();
  for (const [id, slug] of Object.entries(pages))
    paths.set(id, slug === null ? 'index.html' : `${slug}/index.html`);
  const titles = new Map(Object.keys(pages).map((id) => [id, `Titre ${id}`]));
  const files = ['index.html', 'plan-du-site/index.html', 'agenda/index.html', ...paths.values()];
  return nextAddressMap(previous, paths, titles, files, at);
}

const answer = (map: AddressMap, path: string) => answerAddress(addressLookup(map), path);

describe('address map', () => {
  it('[ADDR-1] a renamed page: its old address answers 301 to the new one, in every spelling', () => {
    const v1 = publish(null, { p: 'ancien' }, 1);
    const v2 = publish(v1, { p: 'nouveau' }, 2);
    for (const asked of ['ancien', 'ancien/', 'ancien/index.html', '/ancien/'])
      expect(answer(v2, asked)).toEqual({ kind: 'moved', location: 'nouveau/' });
    expect(answer(v2, 'nouveau/')).toEqual({ kind: 'unknown' });
    expect(answer(v2, 'autre/')).toEqual({ kind: 'unknown' });
    expect(formerAddressesOf(v2, 'p')).toEqual([
      { path: 'ancien/', pageId: 'p', title: 'Titre p', until: 2 },
    ]);
  });

  it('[ADDR-2] chains collapse: A→B→C answers A with C directly; a page back at A drops A', () => {
    let map = publish(null, { p: 'a' }, 1);
    map = publish(map, { p: 'b' }, 2);
    map = publish(map, { p: 'c' }, 3);
    expect(answer(map, 'a/')).toEqual({ kind: 'moved', location: 'c/' });
    expect(answer(map, 'b/')).toEqual({ kind: 'moved', location: 'c/' });
    expect(formerAddressesOf(map, 'p').map((f) => f.path)).toEqual(['b/', 'a/']);
    map = publish(map, { p: 'a' }, 4);
    expect(answer(map, 'a/')).toEqual({ kind: 'unknown' });
    expect(answer(map, 'c/')).toEqual({ kind: 'moved', location: 'a/' });
    expect(map.former.some((f) => f.path === 'a/')).toBe(false);
  });

  it('[ADDR-3] a page taking an old address wins; when it leaves, the address follows its new owner', () => {
    let map = publish(null, { p: 'mairie' }, 1);
    map = publish(map, { p: 'hotel-de-ville' }, 2);
    map = publish(map, { p: 'hotel-de-ville', q: 'mairie' }, 3);
    expect(map.former.some((f) => f.path === 'mairie/')).toBe(false);
    map = publish(map, { p: 'hotel-de-ville', q: 'la-mairie' }, 4);
    expect(answer(map, 'mairie/')).toEqual({ kind: 'moved', location: 'la-mairie/' });
  });

  it('[ADDR-4] a page taken offline: its addresses answer 410 with its last title', () => {
    let map = publish(null, { p: 'a', q: 'q' }, 1);
    map = publish(map, { p: 'b', q: 'q' }, 2);
    map = publish(map, { q: 'q' }, 3);
    expect(answer(map, 'a/')).toEqual({ kind: 'gone', title: 'Titre p' });
    expect(answer(map, 'b/')).toEqual({ kind: 'gone', title: 'Titre p' });
    // Back online: 301 again.
    map = publish(map, { p: 'b', q: 'q' }, 4);
    expect(answer(map, 'a/')).toEqual({ kind: 'moved', location: 'b/' });
    expect(answer(map, 'b/')).toEqual({ kind: 'unknown' });
  });

  it('[ADDR-3] list and generated pages are never former addresses', () => {
    let map = publish(null, { p: 'agenda-2' }, 1);
    map = publish(map, { p: 'fetes' }, 2);
    const withReserved = parseAddressMap(
      JSON.stringify({
        ...map,
        former: [...map.former, { path: 'agenda/', pageId: 'p', title: '', until: 2 }],
      }),
    );
    const next = publish(withReserved, { p: 'fetes' }, 3);
    expect(next.former.map((f) => f.path)).toEqual(['agenda-2/']);
  });

  it('[ADDR-2] no loop: over random renames, every answer is one hop to a current address (seeded)', () => {
    const seed = Number(process.env.ADDR_SEED ?? Date.now() % 100000);
    console.log(`[ADDR-2] seed ${seed}`);
    let state = seed;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const slugs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    let map: AddressMap | null = null;
    for (let round = 0; round < 300; round++) {
      const pages: Record<string, string> = {};
      const free = [...slugs];
      for (const id of ['p1', 'p2', 'p3', 'p4'])
        if (rand(4) > 0) pages[id] = free.splice(rand(free.length), 1)[0]!;
      map = publish(map, pages, round);
      const current = new Set(Object.values(pages).map((s) => `${s}/`));
      for (const slug of slugs) {
        const a = answer(map, `${slug}/`);
        if (current.has(`${slug}/`)) expect(a, `seed ${seed}`).toEqual({ kind: 'unknown' });
        if (a.kind === 'moved') {
          expect(current.has(a.location), `seed ${seed}`).toBe(true);
          expect(a.location).not.toBe(`${slug}/`);
        }
      }
    }
  });

  it('[ADDR-6] the map is bounded: the oldest former addresses go first', () => {
    const former = Array.from({ length: MAX_FORMER_ADDRESSES + 10 }, (_, i) => ({
      path: `s${i}/`,
      pageId: 'p',
      title: '',
      until: i,
    }));
    const stored = parseAddressMap(
      JSON.stringify({ format: 1, pages: { p: { path: 'ici/', title: '' } }, former }),
    );
    expect(stored.former).toHaveLength(MAX_FORMER_ADDRESSES);
    const started = performance.now();
    const map = publish(stored, { p: 'la' }, 1);
    const ms = performance.now() - started;
    expect(map.former).toHaveLength(MAX_FORMER_ADDRESSES);
    expect(answer(map, 's10/')).toEqual({ kind: 'unknown' });
    expect(answer(map, 's11/')).toEqual({ kind: 'moved', location: 'la/' });
    expect(answer(map, 'ici/')).toEqual({ kind: 'moved', location: 'la/' });
    // Guards against a quadratic step only: a full map costs a few milliseconds per publication.
    expect(ms).toBeLessThan(500);
  });

  it('[ADDR-5] only site addresses: hostile keys and stored targets are refused', () => {
    for (const bad of [
      '//evil.example/',
      'https://evil.example/',
      '../autre-commune/',
      'a/../b/',
      'a//b/',
      'A/',
      'a b/',
      '%2e%2e/',
      `${'a'.repeat(500)}/`,
      'a?x=1/',
      '\\evil/',
    ])
      expect(isSiteAddress(bad), bad).toBe(false);
    expect(addressKey('x'.repeat(10_000))).toBeNull();
    expect(addressKey('')).toBeNull();
    const tampered = parseAddressMap(
      JSON.stringify({
        format: 1,
        pages: {
          p: { path: '//evil.example/', title: 'x' },
          q: { path: 'https://evil.example/', title: '' },
        },
        former: [
          { path: 'ancien/', pageId: 'p', title: '', until: 1 },
          { path: 'vieux/', pageId: 'q', title: '', until: 1 },
          { path: '../x/', pageId: 'p', title: '', until: 1 },
          'junk',
          null,
        ],
      }),
    );
    expect(tampered.pages).toEqual({});
    expect(tampered.former.map((f) => f.path)).toEqual(['ancien/', 'vieux/']);
    // The page has no address online any more: gone, never a redirect outside.
    expect(answer(tampered, 'ancien/')).toEqual({ kind: 'gone', title: '' });
    expect(parseAddressMap('not json')).toEqual({ format: 1, pages: {}, former: [] });
    expect(parseAddressMap('[1,2]')).toEqual({ format: 1, pages: {}, former: [] });
  });
});
