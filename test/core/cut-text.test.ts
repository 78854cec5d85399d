import { describe, expect, it } from 'vitest';
import { cutText } from '../../src/core/cut-text.js';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine, parseVerdictLine } from '../../src/verdict/verdict-line.js';

// Found in review: a username cut at 64 UTF-16 units in the middle of an emoji (a surrogate pair) ended in U+FFFD
// in the ALERT line, a character the client never sent.
describe('cutting attacker text', () => {
  it('cuts to at most max UTF-16 units, never between the halves of a surrogate pair', () => {
    expect(cutText('abc', 3)).toBe('abc');
    expect(cutText('abcd', 3)).toBe('abc');
    expect(cutText('ab😀', 3)).toBe('ab');
    expect(cutText('ab😀c', 4)).toBe('ab😀');
    expect(cutText('😀😀', 3)).toBe('😀');
  });

  it('cuts a verdict value over 256 bytes at a character, and marks the cut', () => {
    const user = `${'a'.repeat(255)}é${'b'.repeat(10)}`; // é's two bytes straddle byte 256
    const line = formatVerdictLine(banVerdict(0, '203.0.113.9', 'c-1', 'dictionary', [['user', user]]), 1);
    expect(parseVerdictLine(line)?.fields.get('user')).toBe(`${'a'.repeat(255)}...(cut)`);
    expect(line).not.toContain('\\xef\\xbf\\xbd');
  });
});
