import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/audit/report-html.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { writeDemoLogs } from './demo-logs.js';
import { removeTempDir, tempDir } from './log-writers.js';

/** Debian's chromium, headless, in a fresh network namespace: the report must render with no network at all. */
function chromium(dir: string, args: string[]): string {
  return execFileSync(
    'unshare',
    [
      '--net',
      'chromium',
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      ...args,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 },
  );
}

describe('the HTML report in a real headless Chromium', () => {
  it('renders the demo campaign timelines with no network access', async () => {
    const dir = tempDir('html');
    const logs = writeDemoLogs(dir);
    const report = await runAudit({
      ...logs,
      authLogs: [logs.authLog],
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.parse('2026-02-15T18:00:00Z'),
    });
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(report));
    const dom = chromium(dir, ['--dump-dom', `file://${page}`]);
    expect(dom.match(/aria-label="timeline of campaign/g)).toHaveLength(2);
    expect(dom).toContain('Campaign c-7f3a');
    const png = join(dir, 'report.png');
    chromium(dir, [`--screenshot=${png}`, '--window-size=1400,1800', `file://${page}`]);
    expect(statSync(png).size).toBeGreaterThan(20_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    // Kept for a person to look at (the issue asks for the screenshot to be described).
    if (process.env['F2B_AUDIT_SCREENSHOT']) copyFileSync(png, process.env['F2B_AUDIT_SCREENSHOT']);
    const c = report.campaigns[0]!;
    expect(c.memberCount).toBe(47);
    expect([...c.members.values()].reduce((n, m) => n + m.attempts.length, 0)).toBe(141);
    removeTempDir(dir);
  }, 120_000);
});
