import { describe, expect, it } from 'vitest';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';

// The generators of the escaping properties never produced DEL (0x7f), the one byte past the printable range
// (found by hand mutation testing).
describe('verdict line bytes', () => {
  it('escapes DEL (0x7f): a verdict line is printable ASCII only', () => {
    const line = formatVerdictLine({ time: 0, verb: 'ALERT', fields: [['user', 'a\x7fb']] }, 1);
    expect(line).toMatch(/^[\x20-\x7e]+$/);
  });
});
