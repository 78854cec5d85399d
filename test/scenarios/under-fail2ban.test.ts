import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { SCENARIOS } from '../../src/simulate/scenarios.js';
import type { Truth } from '../../src/simulate/session.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';

/**
 * The premise of every attack scenario: each member stays under fail2ban's own threshold, so fail2ban alone bans
 * nothing. Checked with fail2ban itself: `fail2ban-regex -o row` with Debian's sshd filter says which
 * lines fail2ban counts (it counts an unknown-user try twice: its `Invalid user` and its `Failed password` line),
 * and no member may reach maxretry within findtime (Debian's 5 in 10 minutes).
 */
const FAIL2BAN_REGEX = '/usr/bin/fail2ban-regex';
const dir = mkdtempSync(join(tmpdir(), 'f2b-under-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Most lines fail2ban counted for one address within any findtime window, per address. */
async function fail2banPeaks(log: string): Promise<Map<string, number>> {
  // `-o row`: one `['<ip>', <epoch seconds>, {...}]` row per failure fail2ban counts.
  const { stdout } = await promisify(execFile)(FAIL2BAN_REGEX, ['-o', 'row', log, 'sshd'], { maxBuffer: 256 << 20 });
  const times = new Map<string, number[]>();
  for (const row of stdout.split('\n')) {
    const m = /^\['([^']+)',\s*([\d.]+),/.exec(row);
    if (!m) continue;
    const list = times.get(m[1]!) ?? [];
    list.push(Number(m[2]) * 1000);
    times.set(m[1]!, list);
  }
  const peaks = new Map<string, number>();
  for (const [ip, list] of times) {
    list.sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < list.length; i++) {
      while (list[i]! - list[j]! >= DEBIAN_DEFAULT_THRESHOLDS.findtime) j++;
      peak = Math.max(peak, i - j + 1);
    }
    peaks.set(ip, peak);
  }
  return peaks;
}

describe.each(SCENARIOS.filter((s) => s.campaign))('scenario $name', (spec) => {
  it("keeps every member under fail2ban's own count (fail2ban-regex, Debian's sshd filter)", async () => {
    expect(existsSync(FAIL2BAN_REGEX), `${FAIL2BAN_REGEX} is missing: apt-get install fail2ban`).toBe(true);
    const files = await writeScenario(spec, join(dir, spec.name));
    const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as Truth;
    const peaks = await fail2banPeaks(files.authLog);
    expect(peaks.size, 'fail2ban-regex matched lines').toBeGreaterThan(0);
    const over = truth.members.filter((ip) => (peaks.get(ip) ?? 0) >= DEBIAN_DEFAULT_THRESHOLDS.maxretry);
    expect(over, 'members fail2ban would ban on its own').toEqual([]);
  }, 120_000);
});
