// Found by a mutation audit (2026-11-25) of the configuration loader: each case below let a mistake in reading a
// value pass every other test. They use the real keys, as an admin writes them in f2b-campaign.conf.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load-config.js';

const read = (text: string) => parseConfigText(text, 'f2b-campaign.conf').values;
const refusal = (text: string): string => {
  try {
    parseConfigText(text, 'f2b-campaign.conf');
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

const work = mkdtempSync(join(tmpdir(), 'f2bc-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('configuration values at their edges', () => {
  it('reads a bare number as seconds and takes ms, as the docs say', () => {
    expect(read('[service]\nstate_interval = 30\nsample_interval = 500ms\n').service).toMatchObject({
      state_interval: 30_000,
      sample_interval: 500,
    });
  });

  it('refuses a duration below its minimum, naming the minimum as a duration', () => {
    // 0.05 is 50 ms; the minimum is 100 ms. A bare "100" in the message would read as 100 seconds.
    expect(refusal('[service]\nsample_interval = 0.05\n')).toBe(
      'f2b-campaign.conf: [service] sample_interval = "0.05": expected a duration of at least 100ms',
    );
    expect(refusal('[alerts]\nlateral_window = 59s\n')).toBe(
      'f2b-campaign.conf: [alerts] lateral_window = "59s": expected a duration of at least 1m',
    );
    expect(read('[alerts]\nlateral_window = 1m\n').alerts!.lateral_window).toBe(60_000);
    // A lifetime bucket of 0 would turn the socket-lifetime signal off without a word (found in review).
    expect(refusal('[detection]\nlifetime_bucket = 0\n')).toBe(
      'f2b-campaign.conf: [detection] lifetime_bucket = "0": expected a duration of at least 1s',
    );
    expect(read('[detection]\nlifetime_bucket = 1s\n').detection!.lifetime_bucket).toBe(1000);
  });

  it('refuses an empty duration rather than reading it as none', () => {
    expect(refusal('[alerts]\nlong_session_min =\n')).toBe(
      'f2b-campaign.conf: [alerts] long_session_min = "": expected a duration like 30s, 10m, 1h or 2d',
    );
  });

  it('accepts a value at its maximum and refuses one past it', () => {
    expect(read('[detection]\npredictable_min_intervals = 8\nrhythm_tolerance = 1\n').detection).toMatchObject({
      predictable_min_intervals: 8,
      rhythm_tolerance: 1,
    });
    expect(refusal('[detection]\npredictable_min_intervals = 9\n')).toBe(
      'f2b-campaign.conf: [detection] predictable_min_intervals = "9": expected a whole number between 2 and 8',
    );
  });

  it('refuses a whole number with anything after its digits', () => {
    expect(refusal('[service]\nstate_write_rate = 4096x\n')).toBe(
      'f2b-campaign.conf: [service] state_write_rate = "4096x": expected a whole number',
    );
  });

  it('reads every false word the docs list as false', () => {
    for (const word of ['false', 'no', 'off', '0', 'OFF'])
      expect(read(`[alerts]\nnew_destinations = ${word}\n`).alerts!.new_destinations, word).toBe(false);
  });

  it('accepts the ports 1 and 65535 and refuses 0 and 65536', () => {
    expect(read('[service]\nssh_ports = 1 65535\n').service!.ssh_ports).toEqual(['1', '65535']);
    for (const port of ['0', '65536'])
      expect(refusal(`[service]\nssh_ports = ${port}\n`), port).toMatch(/expected TCP ports \(1-65535\)/);
  });

  it('accepts a /32 and a /128 and refuses an IPv6 prefix past 128', () => {
    expect(read('[detection]\nignoreip = 192.0.2.7/32 2001:db8::7/128\n').detection!.ignoreip).toEqual([
      '192.0.2.7/32',
      '2001:db8::7/128',
    ]);
    expect(refusal('[detection]\nignoreip = 2001:db8::/129\n')).toMatch(/expected IP addresses or CIDR blocks/);
  });

  it('refuses a config path that is there but cannot be read, even when the file is optional', () => {
    // Only a missing file means the built-in defaults: one that exists but is unreadable (a directory here, as root
    // reads any file) would otherwise run the service silently on defaults.
    expect(() => loadConfig(work, false)).toThrow(/^cannot read config .*EISDIR/);
    expect(loadConfig(join(work, 'missing.conf'), false).file).toBeNull();
  });
});
