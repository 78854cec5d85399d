import { describe, expect, it } from 'vitest';
import { jsonArrayPieces } from '../../src/core/json-pieces.js';

describe('jsonArrayPieces', () => {
  it('is JSON.stringify of the list, in pieces of ~64 kB, for no item, one, and many', () => {
    expect([...jsonArrayPieces([])]).toEqual(['[]']);
    expect([...jsonArrayPieces([['a"\\', 1]])].join('')).toBe(JSON.stringify([['a"\\', 1]]));
    const many = Array.from({ length: 20_000 }, (_, i) => [`10.0.${i >> 8}.${i & 255}`, i * 1.5, [i]]);
    const pieces = [...jsonArrayPieces(many)];
    expect(pieces.join('')).toBe(JSON.stringify(many));
    expect(pieces.length).toBeGreaterThan(4);
    // Each piece but the last is cut once it holds 64 kB, so no piece is much larger: never the whole text at once.
    for (const piece of pieces) expect(piece.length).toBeLessThan(65_536 + 100);
  });

  it('reads its items one at a time, as the generator gives them', () => {
    let made = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 50_000; i++) {
        made++;
        yield i;
      }
    }
    const it = jsonArrayPieces(items());
    it.next();
    expect(made).toBeLessThan(50_000);
  });
});
