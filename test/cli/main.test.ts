import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli } from '../helpers/bundle-cli.js';

describe('the command line', () => {
  let dir: string;
  let cli: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'f2b-cli-'));
    cli = await bundleCli(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['parse', 'replay', 'run', 'check', 'audit', 'simulate', 'record'])(
    'answers an unknown option to %s with its usage and exit 64, not a crash',
    async (command) => {
      const { code, stderr } = await runCli(cli, [command, '--no-such-option']);
      expect(code).toBe(64);
      expect(stderr).toContain(`f2b-campaign ${command}: Unknown option '--no-such-option'`);
      expect(stderr).toContain(`usage: f2b-campaign ${command}`);
      expect(stderr).not.toMatch(/at .*\.mjs:\d+/);
    },
  );

  it('answers an unknown command with the command list and exit 64', async () => {
    const { code, stderr } = await runCli(cli, ['frobnicate']);
    expect(code).toBe(64);
    expect(stderr).toContain('unknown command "frobnicate"');
    expect(stderr).toContain('replay');
  });
});
