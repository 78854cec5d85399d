// Values the loader accepted though no operator means them (session 33): a campaign ending the instant its members
// are quiet, per-source state dropped as soon as it is made, windows in which a source counts for nothing. Each is
// refused at start and at SIGHUP, naming the file, the key, the value and the bound; the default and the smallest
// allowed value still load. Keys where 0 means something (documented) still take it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import {
  reloadOutcome,
  runService,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  stopCleanly,
  waitFor,
} from '../service/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'f2bc-zero-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The configuration file as an admin writes it, read as the service reads it. */
function load(lines: readonly string[]) {
  const file = join(work, 'f2b-campaign.conf');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, read: () => loadConfig(file, true).values };
}

function refusal(lines: readonly string[]): string {
  const { read } = load(lines);
  try {
    read();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

/** [section, key, default (ms), smallest allowed as written, the same in ms, the bound as the message shows it]. */
const RAISED: ReadonlyArray<readonly [string, string, number, string, number, string]> = [
  ['detection', 'campaign_window', 7_200_000, '1m', 60_000, '1m'],
  ['detection', 'campaign_end', 7_200_000, '10m', 600_000, '10m'],
  ['detection', 'source_ttl', 43_200_000, '1m', 60_000, '1m'],
  ['detection', 'success_memory', 604_800_000, '1m', 60_000, '1m'],
  ['detection', 'rhythm_window', 3_600_000, '1m', 60_000, '1m'],
  ['detection', 'rhythm_max_interval', 21_600_000, '30s', 30_000, '1s'],
  ['detection', 'dictionary_window', 21_600_000, '1m', 60_000, '1m'],
  ['detection', 'ordered_window', 21_600_000, '1m', 60_000, '1m'],
  ['detection', 'persistence_window', 21_600_000, '1m', 60_000, '1m'],
  ['detection', 'locality_window', 3_600_000, '1m', 60_000, '1m'],
  ['detection', 'synchrony_window', 3_000, '1s', 1_000, '1s'],
  ['detection', 'lifetime_window', 3_600_000, '1m', 60_000, '1m'],
  ['detection', 'probing_window', 3_600_000, '1m', 60_000, '1m'],
  ['detection', 'surge_baseline', 21_600_000, '1m', 60_000, '1m'],
];

describe('durations where 0 means nothing an operator wants', () => {
  for (const [section, key, def, smallest, smallestMs, bound] of RAISED) {
    it(`${key}: 0 is refused naming the file, the key, the value and ${bound}; ${smallest} and the default load`, () => {
      const { file } = load([]);
      expect(refusal([`[${section}]`, `${key} = 0`])).toBe(
        `${file}: [${section}] ${key} = "0": expected a duration of at least ${bound}`,
      );
      expect(load([`[${section}]`, `${key} = ${smallest}`]).read()[section]![key]).toBe(smallestMs);
      expect(load([`[${section}]`]).read()[section]![key]).toBe(def);
    });
  }

  it('refuses a rhythm whose longest interval is below its shortest, whichever of the two is written', () => {
    const { file } = load([]);
    expect(refusal(['[detection]', 'rhythm_max_interval = 10s'])).toBe(
      `${file}: [detection] rhythm_max_interval = "10s": expected a duration of at least rhythm_min_interval (30s, its default)`,
    );
    expect(refusal(['[detection]', 'rhythm_min_interval = 7h'])).toBe(
      `${file}: [detection] rhythm_min_interval = "7h": expected a duration of at most rhythm_max_interval (6h, its default)`,
    );
    expect(refusal(['[detection]', 'rhythm_min_interval = 2m', 'rhythm_max_interval = 1m'])).toBe(
      `${file}: [detection] rhythm_max_interval = "1m": expected a duration of at least rhythm_min_interval (2m)`,
    );
    // One interval only is narrow, not nonsense.
    const equal = load(['[detection]', 'rhythm_min_interval = 2m', 'rhythm_max_interval = 2m']).read().detection!;
    expect([equal['rhythm_min_interval'], equal['rhythm_max_interval']]).toEqual([120_000, 120_000]);
  });

  it('refuses a surge threshold or variance floor of 0 (an alarm every other minute; a division by zero), takes more', () => {
    const { file } = load([]);
    for (const key of ['surge_h', 'surge_min_rate'])
      expect(refusal(['[detection]', `${key} = 0`]), key).toBe(
        `${file}: [detection] ${key} = "0": expected a number greater than 0`,
      );
    const small = load(['[detection]', 'surge_h = 0.5', 'surge_min_rate = 0.01']).read().detection!;
    expect([small['surge_h'], small['surge_min_rate']]).toEqual([0.5, 0.01]);
    const defaults = load(['[detection]']).read().detection!;
    expect([defaults['surge_h'], defaults['surge_min_rate']]).toEqual([8, 1]);
  });

  it('still takes 0 where it has a documented meaning', () => {
    const detection = load([
      '[detection]',
      'names_alone_hold = 0',
      'shared_name_hold = 0',
      'rhythm_min_interval = 0',
      'rhythm_jitter = 0',
      'predictable_min_interval = 0',
      'predictable_jitter = 0',
      'lifetime_min = 0',
      'surge_warmup = 0',
      '[alerts]',
      'long_session_min = 0',
      'baseline_min_sockets = 0',
    ]).read();
    expect(Object.values(detection.detection!).filter((v) => v === 0)).toHaveLength(8);
    expect([detection.alerts!['long_session_min'], detection.alerts!['baseline_min_sockets']]).toEqual([0, 0]);
  });
});

describe('the built program with campaign_end = 0 or source_ttl = 0', () => {
  const t = bundledCliSuite('zero-bounds');
  const conf = join(t.dir, 'f2b-campaign.conf');
  const files = () => serviceFiles(t.dir, join(t.dir, 'auth.log'), join(t.dir, 'verdicts.log'));

  beforeAll(() => {
    writeFileSync(join(t.dir, 'auth.log'), '');
  });

  it('replay refuses campaign_end = 0 with the error text, and runs with 10m', async () => {
    const replayConf = join(t.dir, 'replay.conf');
    const args = ['replay', '--auth-log', join(t.dir, 'auth.log'), '--fail2ban-defaults', '--config', replayConf];
    writeFileSync(replayConf, '[detection]\ncampaign_end = 0\n');
    const bad = await t.run(args);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${replayConf}: [detection] campaign_end = "0": expected a duration of at least 10m`);
    writeFileSync(replayConf, '[detection]\ncampaign_end = 10m\n');
    expect((await t.run(args)).code).toBe(0);
  });

  it('run does not start with campaign_end = 0, naming the file, the key, the value and the bound', async () => {
    setUpServiceDir(t.dir, ['[detection]', 'campaign_end = 0']);
    const out = join(t.dir, 'start.out');
    const { child, exited, ended } = runService(t.bundle, files(), out);
    try {
      expect(await exited).toBe(1);
      expect(serviceLog(out).map((l) => l['event'])).not.toContain('service-started');
      expect(readFileSync(out, 'utf8')).toBe(
        `f2b-campaign run: ${conf}: [detection] campaign_end = "0": expected a duration of at least 10m\n`,
      );
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 30_000);

  it('a SIGHUP with source_ttl = 0 fails the reload and the service runs on; source_ttl = 1m reloads', async () => {
    setUpServiceDir(t.dir, ['[detection]']);
    const out = join(t.dir, 'reload.out');
    const service = runService(t.bundle, files(), out);
    try {
      await waitFor(() => serviceLog(out).some((l) => l['event'] === 'service-started'), 20_000, 'service start');
      setUpServiceDir(t.dir, ['[detection]', 'source_ttl = 0']);
      expect(await reloadOutcome(service)).toEqual({
        reloaded: false,
        err: `${conf}: [detection] source_ttl = "0": expected a duration of at least 1m`,
      });
      expect(service.child.exitCode).toBeNull();
      setUpServiceDir(t.dir, ['[detection]', 'source_ttl = 1m']);
      expect(await reloadOutcome(service)).toEqual({ reloaded: true });
      await stopCleanly(service);
    } finally {
      service.child.kill('SIGKILL');
      await service.ended;
    }
  }, 60_000);
});
