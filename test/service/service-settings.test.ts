import { symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { Pipeline } from '../../src/service/pipeline.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import type { VerdictWriter } from '../../src/service/verdict-writer.js';
import { memoryLogger, tempDir } from './helpers.js';

describe('service settings', () => {
  const user = { isRoot: false, cwd: '/home/dev/f2b-campaign', writable: (p: string) => p.startsWith('/home/dev') };
  const root = { isRoot: true, cwd: '/', writable: () => true };
  // The packaged service: its own user, with the directories systemd made for it.
  const packaged = {
    isRoot: false,
    cwd: '/',
    writable: (p: string) => /^\/(var|run)\/(lib|log)?\/?f2b-campaign/.test(p),
  };

  it('puts the paths it writes under ./var for a user who is not root and set none', () => {
    const s = resolveSettings(parseConfigText('', 'none'), {}, user);
    expect(s.verdictLog).toBe('/home/dev/f2b-campaign/var/log/f2b-campaign/verdicts.log');
    expect(s.stateDir).toBe('/home/dev/f2b-campaign/var/lib/f2b-campaign');
    expect(s.runtimeDir).toBe('/home/dev/f2b-campaign/var/run/f2b-campaign');
    expect(s.authLogs).toEqual(['/var/log/auth.log']); // reading stays on the system's log
  });

  it('keeps the system paths for a service user that can write them', () => {
    const s = resolveSettings(parseConfigText('', 'none'), {}, packaged);
    expect([s.verdictLog, s.stateDir, s.runtimeDir]).toEqual([
      '/var/log/f2b-campaign/verdicts.log',
      '/var/lib/f2b-campaign',
      '/run/f2b-campaign',
    ]);
  });

  it("keeps root's system paths, and any path the config sets", () => {
    expect(resolveSettings(parseConfigText('', 'none'), {}, root).stateDir).toBe('/var/lib/f2b-campaign');
    const set = parseConfigText('[service]\nstate_dir = /srv/f2b\n', 'x');
    expect(resolveSettings(set, {}, user).stateDir).toBe('/srv/f2b');
  });

  it('lets command-line flags override the config', () => {
    const config = parseConfigText('[service]\nverdict_log = /a/v.log\nauth_log = /a/auth.log\n', 'x');
    const s = resolveSettings(config, { verdictLog: 'out/v.log', authLogs: ['x.log', 'y.log'] }, user);
    expect(s.verdictLog).toBe('/home/dev/f2b-campaign/out/v.log');
    expect(s.authLogs).toEqual(['/home/dev/f2b-campaign/x.log', '/home/dev/f2b-campaign/y.log']);
  });

  it('follows the files given with --auth-log even before they exist, unless the config chose the journal', () => {
    expect(resolveSettings(parseConfigText('', 'x'), { authLogs: ['a.log'] }, user).source).toBe('file');
    expect(resolveSettings(parseConfigText('', 'x'), {}, user).source).toBe('auto');
    const journal = parseConfigText('[service]\nsource = journal\n', 'x');
    expect(resolveSettings(journal, { authLogs: ['a.log'] }, user).source).toBe('journal');
  });

  // Found in review: `run` followed a file named twice twice, and counted each of its attempts twice.
  it('refuses a log named twice, by the same name, another spelling of it, or a link to it', () => {
    const t = tempDir('settings-logs');
    try {
      const log = join(t.dir, 'auth.log');
      writeFileSync(log, '');
      symlinkSync(log, join(t.dir, 'secure'));
      const twice =
        (conf: string, overrides = {}) =>
        () =>
          resolveSettings(parseConfigText(`[service]\n${conf}\n`, 'test.conf'), overrides, root);
      expect(twice(`auth_log = ${log} ${t.dir}/../${basename(t.dir)}/auth.log`)).toThrow(
        `[service] auth_log names ${log} twice: its attempts would count twice`,
      );
      expect(twice('', { authLogs: [log, join(t.dir, 'secure')] })).toThrow(
        `--auth-log names ${log} and ${join(t.dir, 'secure')} twice: its attempts would count twice`,
      );
      expect(twice(`auth_log = ${log} ${join(t.dir, 'sshd.log')}`)().authLogs).toEqual([log, join(t.dir, 'sshd.log')]);
    } finally {
      t.cleanup();
    }
  });

  it('refuses an ssh port that is not a TCP port, naming it', () => {
    expect(() => resolveSettings(parseConfigText('[service]\nssh_ports = 22 70000\n', 'x'), {}, root)).toThrow(
      '[service] ssh_ports = "22 70000": expected TCP ports (1-65535)',
    );
  });
});

describe('pipeline', () => {
  it('knows when createCore has a campaign open (sampling speeds up then)', () => {
    const writer = { write: (_v: Verdict) => 'line' } as unknown as VerdictWriter;
    const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    const pipeline = new Pipeline(core, writer, new VerdictDedupe(), memoryLogger().log);
    expect(pipeline.campaignOpen()).toBe(false);
    const status = { detection: { campaigns: [{ id: 'c1' }] } };
    pipeline.core = { ...core, status: () => status };
    expect(pipeline.campaignOpen()).toBe(true);
  });

  // Found in review: the core's clock never goes back, so one line stamped a year ahead made every later one look a
  // year old, and a campaign under way went unbanned.
  it('takes a line stamped more than a day past the wall clock as now, and warns (not on every line)', () => {
    const times: number[] = [];
    const core = {
      ...createCore({}, DEBIAN_DEFAULT_THRESHOLDS),
      onAuthEvent: (e: { time: number }) => {
        times.push(e.time);
        return [];
      },
    };
    const { log, lines } = memoryLogger('info');
    const now = Date.UTC(2026, 10, 23, 12);
    const writer = {} as VerdictWriter;
    const pipeline = new Pipeline(core, writer, new VerdictDedupe(), log, () => now);
    const at = (time: number) =>
      pipeline.onEvent({
        time,
        kind: 'failure',
        reason: 'failed-password',
        ip: '203.0.113.9',
        bannable: true,
        count: 1,
      });
    const yearAhead = now + 365 * 86_400_000;
    at(now - 1000);
    at(now + 23 * 3_600_000);
    at(yearAhead);
    at(yearAhead + 1000);
    expect(times).toEqual([now - 1000, now + 23 * 3_600_000, now, now]);
    expect(pipeline.fromTheFuture).toBe(2);
    const warned = lines().filter((l) => l['event'] === 'line-time-ahead');
    expect(warned).toEqual([expect.objectContaining({ level: 40, lineTime: new Date(yearAhead).toISOString() })]);
  });

  it('logs a compromise alert at ERROR and lateral movement at WARN, besides writing the verdict', async () => {
    const written: string[] = [];
    const writer = {
      write: (v: Verdict) => {
        written.push(v.verb);
        return `line-${written.length}`;
      },
    } as unknown as VerdictWriter;
    const { log, lines } = memoryLogger('info');
    const alert = (kind: string): Verdict => ({
      time: 1,
      verb: 'ALERT',
      fields: [
        ['kind', kind],
        ['ip', '203.0.113.9'],
      ],
    });
    const core = {
      ...createCore({}, DEBIAN_DEFAULT_THRESHOLDS),
      onAuthEvent: () => [alert('compromise'), alert('lateral')],
    };
    const pipeline = new Pipeline(core, writer, new VerdictDedupe(), log);
    pipeline.onEvent({ time: 1, kind: 'success', reason: 'accepted', ip: '203.0.113.9', bannable: true, count: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual(['ALERT', 'ALERT']);
    const byEvent = Object.fromEntries(lines().map((l) => [l['event'], l]));
    expect(byEvent['compromise-suspected']).toMatchObject({
      level: 50,
      kind: 'compromise',
      ip: '203.0.113.9',
      line: 'line-1',
    });
    expect(byEvent['lateral-movement-suspected']).toMatchObject({ level: 40, kind: 'lateral' });
  });
});
