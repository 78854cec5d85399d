import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { replayCommand } from '../../src/cli/commands/replay.js';
import { simulateCommand } from '../../src/cli/commands/simulate.js';
import { readSocketTrace } from '../../src/parse/socket-trace.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { findScenario, SCENARIOS } from '../../src/simulate/scenarios.js';
import type { Truth } from '../../src/simulate/session.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { parseVerdictLine } from '../../src/verdict/verdict-line.js';
import { captured } from '../helpers/captured-output.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scenario simulator', () => {
  it('writes the same files for the same scenario and seed, and other ones for another seed', async () => {
    const spec = findScenario('waves')!;
    const a = await writeScenario(spec, join(dir, 'a'));
    const b = await writeScenario(spec, join(dir, 'b'));
    const c = await writeScenario(spec, join(dir, 'c'), 2);
    expect(readFileSync(a.authLog, 'utf8')).toBe(readFileSync(b.authLog, 'utf8'));
    expect(readFileSync(a.sockets, 'utf8')).toBe(readFileSync(b.sockets, 'utf8'));
    expect(readFileSync(a.authLog, 'utf8')).not.toBe(readFileSync(c.authLog, 'utf8'));
  });

  it.each(SCENARIOS.map((s) => s.name))(
    '%s: every line is an sshd line the parser knows, every trace row parses',
    async (name) => {
      const files = await writeScenario(findScenario(name)!, join(dir, name));
      const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
      const lines = readFileSync(files.authLog, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      for (const line of lines) {
        expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 bastion sshd\[\d+\]: /);
        parser.parseLine(line);
      }
      const skipped = parser.stats.skipped as Record<string, number>;
      expect(Object.entries(skipped).filter(([why, n]) => why !== 'no-event' && n > 0)).toEqual([]);
      const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as Truth;
      // Loopback is never banned, so it would prove nothing as an attacker; benign and members never overlap.
      for (const ip of [...truth.members, ...truth.scanners]) expect(ip.startsWith('127.')).toBe(false);
      expect(truth.members.filter((ip) => truth.benign.includes(ip))).toEqual([]);
      const stats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 };
      let last = 0;
      for await (const sample of readSocketTrace(readFileSync(files.sockets, 'utf8').split('\n'), stats)) {
        expect(sample.time).toBeGreaterThan(last);
        last = sample.time;
      }
      expect(stats.malformed + stats.badTimes).toBe(0);
      expect(stats.blocks).toBe(files.samples);
    },
  );

  it('writes three attempts 155-179 s apart per waves member, as the incident report describes', async () => {
    const files = await writeScenario(findScenario('waves')!, join(dir, 'rhythm'));
    const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as Truth;
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
    const attempts = new Map<string, number[]>();
    for (const line of readFileSync(files.authLog, 'utf8').split('\n')) {
      const e = parser.parseLine(line);
      if (e?.kind === 'failure' && e.count > 0) attempts.set(e.ip, [...(attempts.get(e.ip) ?? []), e.time]);
    }
    expect(truth.members).toHaveLength(47);
    // An attempt is timed by its first line: `Invalid user` comes ~2 s before its `Failed password` (root has none).
    const slack = 2200;
    for (const ip of truth.members) {
      const t = attempts.get(ip)!;
      expect(t).toHaveLength(3);
      for (const gap of [t[1]! - t[0]!, t[2]! - t[1]!]) expect(gap).toBeGreaterThanOrEqual(155_000 - slack);
      for (const gap of [t[1]! - t[0]!, t[2]! - t[1]!]) expect(gap).toBeLessThanOrEqual(179_000 + slack);
    }
  });
});

describe('simulate command', () => {
  it('writes a scenario that the replay command turns into BAN lines for its members', async () => {
    const out = join(dir, 'cli');
    expect((await captured(() => simulateCommand.run(['--scenario', 'neighbours', '--out', out]))).result).toBe(0);
    const verdicts = join(out, 'verdicts.log');
    const replayed = await captured(() =>
      replayCommand.run([
        '--auth-log',
        join(out, 'auth.log'),
        '--sockets',
        join(out, 'sockets.trace'),
        '--verdicts',
        verdicts,
        '--fail2ban-defaults',
      ]),
    );
    expect(replayed.result).toBe(0);
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as Truth;
    const banned = new Set(
      readFileSync(verdicts, 'utf8')
        .split('\n')
        .map((l) => parseVerdictLine(l))
        .filter((v) => v?.verb === 'BAN')
        .map((v) => v!.fields.get('ip')),
    );
    expect(truth.members.filter((ip) => !banned.has(ip))).toEqual([]);
    expect(truth.benign.filter((ip) => banned.has(ip))).toEqual([]);
  });

  it('scores a scenario with --check, and refuses bad arguments', async () => {
    const checked = await captured(() =>
      simulateCommand.run(['--scenario', 'recon', '--out', join(dir, 'check'), '--check']),
    );
    expect(checked.result).toBe(0);
    expect(checked.stdout).toMatch(/\| recon \| 40 \| 40 \(100\.0%\) \|/);
    await captured(async () => {
      await expect(simulateCommand.run(['--scenario', 'nope', '--out', dir])).rejects.toThrow(UsageError);
      await expect(simulateCommand.run(['--scenario', 'recon'])).rejects.toThrow(UsageError);
      await expect(simulateCommand.run(['--scenario', 'recon', '--out', dir, '--seed', '0'])).rejects.toThrow(
        UsageError,
      );
    });
  });
});
