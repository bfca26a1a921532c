import { describe, expect, it } from 'vitest';
import { paragraphsBody } from '../../../site/sampleSite';
import { blocksOf, diffBlocks } from './blockDiff';

describe('blockDiff', () => {
  it('lists blocks and diffs two versions by block', () => {
    const before = blocksOf(paragraphsBody(['Un', 'Deux', 'Trois']));
    const after = blocksOf(paragraphsBody(['Un', 'Deux bis', 'Trois', 'Quatre']));
    expect(before.map((b) => b.text)).toEqual(['Un', 'Deux', 'Trois']);
    expect(diffBlocks(before, after).map((d) => `${d.op}:${d.block.text}`)).toEqual([
      'same:Un',
      'removed:Deux',
      'added:Deux bis',
      'same:Trois',
      'added:Quatre',
    ]);
  });
});
