import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateCommand } from '../../src/cli/commands/simulate.js';
import { captured } from '../helpers/captured-output.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-simulate-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `simulate --check` is how a set-up is rehearsed before it goes live (README), and a script tells a set-up that bans
 * the scenario's benign users by its exit status, 2 (f2b-campaign --help).
 */
describe('simulate --check', () => {
  it('exits 2 when its replay banned a benign source, and more directories deep than exist', async () => {
    // Settings loose enough to ban some of the waves' benign users: campaigns of two on one signal, logins that
    // protect for a minute, any interval a rhythm.
    const config = join(dir, 'loose.conf');
    writeFileSync(
      config,
      '[detection]\nmin_members = 2\nmin_signals = 1\nprivate_single_signal = true\nrhythm_min_sources = 1\n' +
        'shared_name_hold = 0s\nsuccess_memory = 1m\noverride_signals = 1\noverride_attempts = 1\n' +
        'rhythm_min_interval = 0s\nrhythm_tolerance = 1\nrhythm_jitter = 1h\n',
    );
    const out = join(dir, 'not', 'yet', 'there');
    const { result: code, stdout } = await captured(() =>
      simulateCommand.run(['--scenario', 'waves', '--out', out, '--check', '--config', config]),
    );
    // The table's "benign banned" column: some of the 53.
    const benign = /\| (\d+)\/53 \|/.exec(stdout);
    expect(Number(benign?.[1])).toBeGreaterThan(0);
    expect(code).toBe(2);
  }, 60_000);
});
