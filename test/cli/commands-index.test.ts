import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';

describe('the command registry', () => {
  it('loads, for each name --help lists, the command of that name, with its usage', async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'parse',
      'replay',
      'audit',
      'run',
      'status',
      'check',
      'record',
      'simulate',
    ]);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.usage).toMatch(new RegExp(`^usage: f2b-campaign ${entry.name}\\b`));
      expect(entry.summary.length).toBeGreaterThan(10);
    }
  });
});
