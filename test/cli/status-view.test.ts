import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderStatus, shownState, statusCommand } from '../../src/cli/commands/status.js';
import { readStatus, type ServiceStatus, STATUS_FILE, writeStatus } from '../../src/service/status-file.js';
import { captured } from '../helpers/captured-output.js';

/** A status file as the service writes it, with the core's part given by each test. */
function status(core: unknown): ServiceStatus {
  const now = new Date().toISOString();
  return {
    pid: 4242,
    startedAt: now,
    updatedAt: now,
    state: 'running',
    config: null,
    verdictLog: '/var/log/f2b-campaign/verdicts.log',
    verdicts: { written: 3, owed: 0, suppressedRepeats: 0 },
    sources: [],
    sockets: { open: 0, closed: 0, lastSampleAt: null, topSources: [] },
    lines: { read: 10, events: 8 },
    thresholds: { maxretry: 5, findtime: 600_000, origin: 'defaults' },
    core,
  };
}

/** The never-ban lists as this version's service writes them (status(), above, is an earlier version's file). */
const IGNOREIP = {
  fail2ban: ['127.0.0.1/8', '::1', 'vpn.example.org', '203.0.113.9'],
  f2bCampaign: ['198.51.100.0/24'],
};

describe('status, the human view', () => {
  const campaign = { id: 'c-1', members: 12, signals: 'dictionary+rhythm', start: new Date().toISOString() };

  it('counts the campaigns and tracked sources, and the bans held by names_alone_hold when there are any', () => {
    const held = renderStatus(status({ detection: { campaigns: [campaign], trackedSources: 40, heldBans: 2 } }));
    expect(held).toContain('`- campaigns: 1 open, 40 sources tracked, 2 bans held (names_alone_hold)');
    expect(held).toContain('c-1: 12 members, dictionary+rhythm');
    const none = renderStatus(status({ detection: { campaigns: [], trackedSources: 40, heldBans: 0 } }));
    expect(none).toMatch(/`- campaigns: 0 open, 40 sources tracked$/m);
    expect(none).not.toContain('held');
  });

  // Found in review: after a kill -9 the status file still says running, and the headline said so, right above the
  // line saying the service was not running.
  it('calls a service whose process has gone while its status says running `gone`, not running', () => {
    const last = status(null);
    expect(shownState(last, () => false)).toBe('gone');
    expect(shownState(last, () => true)).toBe('running');
    expect(shownState({ ...last, state: 'stopped' }, () => false)).toBe('stopped');
    expect(renderStatus(last, 'gone').split('\n')[0]).toMatch(
      /^f2b-campaign: gone \(its last status says running\), pid 4242,/,
    );
    expect(renderStatus(last).split('\n')[0]).toMatch(/^f2b-campaign: running, pid 4242,/);
  });

  it("shows the core's databases as check does, `none` for one not configured, and nothing of a core without", () => {
    const asn = { path: '/var/lib/GeoIP/GeoLite2-ASN.mmdb', type: 'GeoLite2-ASN', built: '2026-11-20T08:15:00.000Z' };
    const view = renderStatus(status({ databases: { asn, country: null } }));
    expect(view).toContain(
      '|- databases\n|  |- asn_database: /var/lib/GeoIP/GeoLite2-ASN.mmdb: GeoLite2-ASN, built 2026-11-20\n' +
        '|  |- country_database: none\n|- sources',
    );
    expect(renderStatus(status({ detection: { campaigns: [] } }))).not.toContain('database');
  });

  it('shows a core that says nothing of detection as no campaign, not an error', () => {
    expect(renderStatus(status(null))).toMatch(/`- campaigns: 0 open$/m);
  });

  // Found in review: a status file of another shape (another version's, edited) crashed `status` with a TypeError.
  it('refuses a status file of another shape with one line naming what is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'f2b-status-'));
    const read = (text: string) => {
      writeFileSync(join(dir, STATUS_FILE), text);
      return () => readStatus(dir);
    };
    try {
      expect(read('null')).toThrow('not a status file of this version (not an object)');
      expect(read('{}')).toThrow('not a status file of this version (pid is missing, not number)');
      expect(read('{"state":"running","pid":1}')).toThrow('(startedAt is missing, not string)');
      expect(read(JSON.stringify({ ...status(null), state: 'dancing' }))).toThrow('state "dancing" is unknown');
      expect(read(JSON.stringify({ ...status(null), sockets: { open: 1 } }))).toThrow('sockets.closed is missing');
      expect(read(JSON.stringify(status(null)))()).toMatchObject({ pid: 4242 });
      // Optional, but when there of the shape `status` shows.
      const lists = (ignoreip: unknown) => JSON.stringify({ ...status(null), ignoreip });
      expect(read(lists({ fail2ban: [] }))).toThrow('(ignoreip.f2bCampaign is missing, not array)');
      expect(read(lists('127.0.0.1'))).toThrow('(ignoreip is string, not object)');
      expect(read(lists({ fail2ban: [1], f2bCampaign: [] }))).toThrow('(an ignoreip entry is not text)');
      const server = (fail2banServer: unknown) => JSON.stringify({ ...status(null), fail2banServer });
      expect(read(server({ running: true, pid: '1' }))).toThrow('(fail2banServer.pidfile is missing, not string)');
      expect(read(server({ pidfile: '/p', running: 'yes', pid: '1' }))).toThrow('(fail2banServer.running is not');
      expect(read(server({ pidfile: '/p', running: true, pid: 1 }))).toThrow('(fail2banServer.pid is not text)');
      const odd = status({ detection: { campaigns: 3 }, alerts: {} });
      expect(renderStatus(odd)).toContain('`- campaigns: 0 open');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the ignoreip in force by origin on one line after the thresholds, each list whole', () => {
    expect(renderStatus({ ...status(null), ignoreip: IGNOREIP })).toContain(
      '|- fail2ban:  maxretry 5 in 600 s (from defaults)\n' +
        '|- ignoreip:  fail2ban 127.0.0.1/8 ::1 vpn.example.org 203.0.113.9; f2b-campaign 198.51.100.0/24\n',
    );
    // fail2ban with ignoreself = false and no ignoreip of its own: loopback is still never banned, and said so.
    const bare = renderStatus({ ...status(null), ignoreip: { fail2ban: [], f2bCampaign: [] } });
    expect(bare).toContain('|- ignoreip:  fail2ban none; f2b-campaign none; loopback always\n');
    const many = Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const long = renderStatus({ ...status(null), ignoreip: { fail2ban: IGNOREIP.fail2ban, f2bCampaign: many } });
    expect(long).toContain(`; f2b-campaign ${many.join(' ')}\n`);
  });

  it('says whether fail2ban-server runs, after the never-ban lists: without it the verdicts ban nobody', () => {
    const pidfile = '/run/fail2ban/fail2ban.pid';
    const view = (running: boolean | null, pid: string | null) =>
      renderStatus({ ...status(null), ignoreip: IGNOREIP, fail2banServer: { pidfile, running, pid } });
    expect(view(true, '812')).toContain(
      '; f2b-campaign 198.51.100.0/24\n|- server:    fail2ban-server running, pid 812 (/run/fail2ban/fail2ban.pid)\n',
    );
    expect(view(false, null)).toContain(
      '|- server:    fail2ban-server NOT RUNNING (no /run/fail2ban/fail2ban.pid): verdicts ban nobody until it starts\n',
    );
    expect(view(null, null)).toContain('|- server:    fail2ban-server unknown (/run/fail2ban/fail2ban.pid cannot be');
    // A pid file the service could not read (fail2ban writes it for root alone), or junk in it: no pid shown.
    expect(view(true, '?')).toContain('|- server:    fail2ban-server running (/run/fail2ban/fail2ban.pid)\n');
    expect(view(true, '1\u001b[2J')).toContain('|- server:    fail2ban-server running (/run/fail2ban/fail2ban.pid)\n');
    // Nothing followed (no fail2ban.conf), or an earlier version's file: no line.
    expect(renderStatus({ ...status(null), ignoreip: IGNOREIP })).not.toContain('|- server:');
  });

  it("reads and shows an earlier version's status file, which has no ignoreip, without the line", () => {
    const dir = mkdtempSync(join(tmpdir(), 'f2b-status-'));
    try {
      writeFileSync(join(dir, STATUS_FILE), JSON.stringify(status(null)));
      const earlier = readStatus(dir);
      expect(earlier.ignoreip).toBeUndefined();
      expect(renderStatus(earlier)).not.toContain('ignoreip');
      writeStatus(dir, { ...status(null), ignoreip: IGNOREIP });
      expect(readStatus(dir).ignoreip).toEqual(IGNOREIP);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the verdict lines the service owes, and nothing of them while it owes none', () => {
    const owing = renderStatus({ ...status(null), verdicts: { written: 3, owed: 2, suppressedRepeats: 0 } });
    expect(owing).toContain('|- verdicts:  3 written to /var/log/f2b-campaign/verdicts.log, 2 OWED (cannot write)\n');
    expect(renderStatus(status(null))).not.toContain('OWED');
  });
});

/** `f2b-campaign status --runtime-dir DIR` in this process: its exit code and what it wrote. */
async function runStatus(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { result: code, stdout, stderr } = await captured(() => statusCommand.run(['--runtime-dir', dir]));
  return { code, stdout, stderr };
}

describe('status, the exit code and the warnings', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  /** A status file whose pid is this test's own process: alive. */
  function statusDir(fields: Partial<ServiceStatus>): string {
    const dir = mkdtempSync(join(tmpdir(), 'f2b-status-'));
    dirs.push(dir);
    writeStatus(dir, { ...status(null), pid: process.pid, ...fields });
    return dir;
  }

  it('exits 0 for a running service, and warns when its status has not been rewritten for minutes', async () => {
    const fresh = await runStatus(statusDir({}));
    expect(fresh).toMatchObject({ code: 0, stderr: '' });
    expect(fresh.stdout).toMatch(/^f2b-campaign: running, pid \d+,/);
    // Rewritten every 5 s while the service runs: one 10 minutes old is a service stuck, not one that is fine.
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const stuck = await runStatus(statusDir({ updatedAt: old }));
    expect(stuck.code).toBe(0);
    expect(stuck.stderr).toBe('warning: the status is 10 min ago old: the service may be stuck\n');
  });

  it('exits 3 for a service stopped, or gone without stopping, naming which', async () => {
    const stopped = await runStatus(statusDir({ state: 'stopped' }));
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/^f2b-campaign is not running \(pid \d+ stopped; last update \d+ s ago\)\n$/);
    const gone = await runStatus(statusDir({ pid: 2 ** 22 + 1 })); // above pid_max: no process has it
    expect(gone.code).toBe(3);
    expect(gone.stdout).toMatch(/^f2b-campaign: gone \(its last status says running\)/);
    expect(gone.stderr).toContain('has gone without stopping; its last status says running');
    const empty = mkdtempSync(join(tmpdir(), 'f2b-status-'));
    dirs.push(empty);
    const none = await runStatus(empty);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^f2b-campaign is not running \(no .*status\.json\)\n$/);
  });
});
