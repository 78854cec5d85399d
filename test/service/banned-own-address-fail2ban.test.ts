import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fail2banServer } from '../audit/fail2ban-server.js';
import { removeTempDir, tempDir } from '../audit/log-writers.js';
import { runCli } from '../helpers/bundle-cli.js';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { reloadOutcome, type ServiceProcess, stopCleanly, verdictLines, waitFor } from './helpers.js';

/**
 * README's "Banned one of your own?" with the real parts: the bundled program's `run` follows an auth.log and writes
 * its verdict log, a private fail2ban-server (test/audit/fail2ban-server.ts: the bundled jail, a dummy action) bans
 * from it. A campaign is banned; the operator lifts the ban of one member, X, with fail2ban-client and adds X to an
 * ignoreip, f2b-campaign's own or fail2ban's, and reloads; `f2b-campaign status` then shows X in that ignoreip; X
 * fails again while the campaign lives, then a new address joins the campaign.
 *
 * The campaign jail's bantime is 10 minutes here, and X's new attempt is stamped half an hour after the campaign's
 * log began: past the service's idea of X's ban. Within it, X's lines would be taken for lines in flight behind the
 * firewall and judged no further (CampaignDetector.behindBan), whatever the procedure; after it, a member of a live
 * campaign is banned again at its first attempt (match=return), which is what the procedure must prevent. Its login
 * then is no compromise ALERT either: a member's login is one, an address in ignoreip is not.
 */
const suite = bundledSuite('own-address');
const servers: Fail2banServer[] = [];
const services: ServiceProcess[] = [];
afterEach(async () => {
  // A service a failed test left running first: it would make the verdict log again in the removed directory.
  for (const run of services.splice(0)) {
    run.child.kill('SIGKILL');
    await run.ended;
  }
  for (const f2b of servers.splice(0)) {
    await f2b.dispose();
    removeTempDir(f2b.dir);
  }
});

/** A new address, in no block of the campaign's, trying one of the names the campaign sprays. */
const NEWCOMER = '203.0.113.77';

/** [DEFAULT] ignoreip in the fail2ban-server's jail.local (test/audit/fail2ban-server.ts), ignoreself off. */
const FAIL2BAN_IGNOREIP = ['127.0.0.1/8', '::1', '192.0.2.99'];

type Route = 'f2b-campaign [detection] ignoreip' | "fail2ban's ignoreip";

describe('banned one of your own: unban, ignoreip, reload (the bundled service and a real fail2ban-server)', () => {
  it.each<Route>(['f2b-campaign [detection] ignoreip', "fail2ban's ignoreip"])(
    'after the procedure (%s), the unbanned address gets no BAN line, no ban and no ALERT while the campaign bans newcomers',
    async (route) => {
      const f2b = new Fail2banServer(tempDir('own-address'));
      servers.push(f2b);
      f2b.configure(['bantime = 10m']);
      writeFileSync(f2b.verdictLog, ''); // fail2ban will not start a jail whose logpath is missing
      await f2b.start();

      const dir = join(suite.dir, route.startsWith('f2b') ? 'own' : 'fail2ban');
      mkdirSync(join(dir, 'net'), { recursive: true });
      writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
      const conf = join(dir, 'f2b-campaign.conf');
      const head = ['[service]', 'start_at = start', `runtime_dir = ${join(dir, 'run')}`];
      writeFileSync(conf, `${head.join('\n')}\n`);
      const authLog = join(dir, 'auth.log');
      // Log time from now on: the lines' own times drive the detector's clock, ahead of the service's wall-clock ticks.
      const start = Date.now();
      writeFileSync(authLog, campaignLog(start));
      const service = suite.start(
        [
          ...['--config', conf, '--auth-log', authLog, '--verdicts', f2b.verdictLog],
          ...['--state-dir', join(dir, 'state'), '--sockets-from', join(dir, 'net'), '--fail2ban-dir', f2b.conf],
        ],
        join(dir, 'service.out'),
      );
      services.push(service);
      const bans = (ip?: string) =>
        verdictLines(f2b.verdictLog).filter((v) => v.verb === 'BAN' && (ip === undefined || v.fields.get('ip') === ip));
      const failure = (what: string) => (e: unknown) => {
        throw new Error(`${e} (${what}); service log:\n${readFileSync(service.out, 'utf8').slice(-3000)}`);
      };
      await waitFor(() => bans().length >= 5, 20_000, 'the campaign banned').catch(failure('campaign'));
      const banned = bans().map((v) => v.fields.get('ip')!);
      await f2b.waitFor('fail2ban to ban every member', () => banned.every((ip) => f2b.bannedNow().includes(ip)));
      const x = banned[0]!;
      /** What `status --json` says of the ignoreip in force, and the line `status` shows it on. */
      const ignoreipShown = async () => {
        const runtime = ['--runtime-dir', join(dir, 'run')];
        const json = await runCli(suite.bundle, ['status', ...runtime, '--json']);
        const view = await runCli(suite.bundle, ['status', ...runtime]);
        expect([json.code, view.code]).toEqual([0, 0]);
        const line = view.stdout.split('\n').find((l) => l.startsWith('|- ignoreip:'));
        return { json: (JSON.parse(json.stdout) as { ignoreip: unknown }).ignoreip, line };
      };
      // Before the procedure, X is in neither.
      expect(await ignoreipShown()).toEqual({
        json: { fail2ban: FAIL2BAN_IGNOREIP, f2bCampaign: [] },
        line: `|- ignoreip:  fail2ban ${FAIL2BAN_IGNOREIP.join(' ')}; f2b-campaign none`,
      });

      // The procedure. (a) `f2b-campaign audit --ip X` says why (run below, at the end). (b) Lift the ban now.
      f2b.client('set', 'f2b-campaign', 'unbanip', x);
      expect(f2b.bannedNow()).not.toContain(x);
      // (c) Keep it from being banned again while the campaign lives: an ignoreip, then the reloads.
      if (route === 'f2b-campaign [detection] ignoreip') {
        appendFileSync(conf, `[detection]\nignoreip = ${x}\n`);
      } else {
        const jailLocal = join(f2b.conf, 'jail.local');
        const text = readFileSync(jailLocal, 'utf8');
        writeFileSync(jailLocal, text.replace(/^ignoreip = (.*)$/m, `ignoreip = $1 ${x}`));
        f2b.reload();
      }
      expect(await reloadOutcome(service)).toEqual({ reloaded: true });
      // (d) `f2b-campaign status` confirms it: X in the ignoreip the service now holds, under the origin it was added
      // to (jail.local's [DEFAULT] ignoreip, read with ignoreself = false, is fail2ban's list).
      const viaFail2ban = route === "fail2ban's ignoreip";
      expect(await ignoreipShown()).toEqual({
        json: { fail2ban: [...FAIL2BAN_IGNOREIP, ...(viaFail2ban ? [x] : [])], f2bCampaign: viaFail2ban ? [] : [x] },
        line: viaFail2ban
          ? `|- ignoreip:  fail2ban ${FAIL2BAN_IGNOREIP.join(' ')} ${x}; f2b-campaign none`
          : `|- ignoreip:  fail2ban ${FAIL2BAN_IGNOREIP.join(' ')}; f2b-campaign ${x}`,
      });

      // X fails again 30 minutes into the campaign's log (its ban, of 10 minutes, is over in the service's eyes) and
      // logs in, then a newcomer tries a name the campaign sprays.
      const later = start + 30 * 60_000;
      appendFileSync(authLog, failedTry(x, later, 'admin') + failedTry(x, later + 5_000, 'oracle'));
      appendFileSync(authLog, passwordLogin(x, later + 20_000, 'alice'));
      appendFileSync(authLog, failedTry(NEWCOMER, later + 60_000, 'oracle'));
      await waitFor(() => bans(NEWCOMER).length > 0, 20_000, "the newcomer's BAN").catch(failure('newcomer'));
      // Read by fail2ban after any line for X: the service wrote the newcomer's BAN after judging X's attempts.
      await f2b.waitFor('fail2ban to ban the newcomer', () => f2b.bannedNow().includes(NEWCOMER));

      expect(f2b.bannedNow()).not.toContain(x);
      expect(f2b.bannedNow()).toEqual(expect.arrayContaining([...banned.slice(1), NEWCOMER]));
      // The dummy action's record: banned once, unbanned once by the operator, never again.
      const record = f2b.banned().split('\n');
      expect(record.filter((l) => l.slice(1) === x)).toEqual([`+${x}`, `-${x}`]);
      // In the verdict log: the campaign's own BAN of X before the unban, none since; the newcomer joined it.
      expect(bans(x)).toHaveLength(1);
      expect(bans(NEWCOMER)[0]!.fields.get('campaign')).toBe(bans(x)[0]!.fields.get('campaign'));
      // Nor is X's login a campaign member getting in (no compromise ALERT, no lateral watch on its connections).
      expect(verdictLines(f2b.verdictLog).filter((v) => v.verb === 'ALERT')).toEqual([]);
      // (a), run last: the audit names X's one BAN verdict, its campaign and reason, and fail2ban's ban and the
      // operator's unban, and nothing after.
      const audit = await runCli(suite.bundle, [
        ...['audit', '--ip', x, '--json', '--verdicts', f2b.verdictLog, '--fail2ban-log', f2b.fail2banLog],
      ]);
      expect(audit.code).toBe(0);
      type Explained = { verdicts: Array<Record<string, string>>; fail2ban: Array<Record<string, string>> };
      const explain = (JSON.parse(audit.stdout) as { explain: Explained }).explain;
      expect(explain.verdicts.map((v) => [v['verb'], v['campaign'], v['reason']])).toEqual([
        ['BAN', bans(x)[0]!.fields.get('campaign'), bans(x)[0]!.fields.get('reason')],
      ]);
      expect(explain.fail2ban.map((e) => [e['type'], e['jail']])).toEqual([
        ['ban', 'f2b-campaign'],
        ['unban', 'f2b-campaign'],
      ]);
      await stopCleanly(service);
    },
    120_000,
  );
});
