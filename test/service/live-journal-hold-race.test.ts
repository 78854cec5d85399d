import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { campaignLog, failedTry, journalEntries, passwordLogin } from '../helpers/campaign-log.js';
import {
  runService,
  type ServiceProcess,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  sleep,
  verdictLines,
  waitFor,
} from './helpers.js';

/**
 * The journal's side of the race between the service's wall clock and its reader (live-hold-race.test.ts is the
 * file's): a held ban must not run out on the clock while a login written before the hold's end is in the journal
 * but not yet sent by `journalctl --follow`. The bundled program follows the fake journalctl; during a campaign a
 * colleague tries a sprayed name once (held, names_alone_hold = 2s) and logs in half a second later, but the
 * follower stalls for 8 s before the login (F2B_FAKE_STALL_MS: a journalctl working through a burst, here without
 * the burst, so the race is decided the same way on every run). Quiet for a second, it used to count as read: the
 * hold's end passed on the wall clock and the colleague was banned (200,000 entries ahead of the login did the same).
 * What decides it is the journal check (ServiceSources.clockLimit, journal-check.ts): with that off it fails, while
 * with caughtUp's own wait for a quiet journalctl off it still passes, the check holding the clock all the same
 * (journal-tick.test.ts guards that wait).
 */
const FAKE = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
const t = bundledCliSuite('live-journal-hold-race');
const dir = t.dir;
const journal = join(dir, 'journal.json');
const verdicts = join(dir, 'verdicts.log');
const out = join(dir, 'service.out');
const argsLog = join(dir, 'journalctl-args.jsonl');
const HOLD_S = 2;
// Long enough for `status` (written every 5 s) to show the clock held for 3 s.
const STALL_MS = 15_000;
let service: ServiceProcess | undefined;

afterAll(async () => {
  // In a process group of its own with its journalctl, which follows for ever. Waited for: the directory goes next.
  if (service?.child.pid !== undefined && service.child.exitCode === null && service.child.signalCode === null) {
    process.kill(-service.child.pid, 'SIGKILL');
    await service.ended;
  }
});

beforeAll(async () => {
  setUpServiceDir(dir, [
    'source = journal',
    `journalctl = ${FAKE}`,
    // A socket sample every second (while a campaign runs, 5 s by default), each stamped with the wall clock.
    'sample_interval = 1s',
    'sample_interval_campaign = 1s',
    '[detection]',
    `names_alone_hold = ${HOLD_S}s`,
  ]);
  writeFileSync(journal, '');
  service = runService(t.bundle, serviceFiles(dir, join(dir, 'no-auth.log'), verdicts), out, {
    env: { ...process.env, F2B_FAKE_JOURNAL: journal, F2B_FAKE_JOURNAL_ARGS: argsLog },
    detached: true,
  });
}, 60_000);

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

describe('live service in journal mode: a held ban and a login journalctl has not sent yet', () => {
  it('reads the login before it judges the hold, however long journalctl keeps it', async () => {
    appendFileSync(journal, journalEntries(campaignLog(Date.now() - 12 * 60_000)));
    await waitFor(() => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'), 20_000, 'the campaign opens');

    const bot = '203.0.113.77';
    const colleague = '203.0.113.88';
    const at = Date.now();
    appendFileSync(
      journal,
      journalEntries(failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu')) +
        journalEntries(passwordLogin(colleague, at + 500, 'alice'), { F2B_FAKE_STALL_MS: String(STALL_MS) }),
    );

    // The hold ends 2 s after the try: on the wall clock (two seconds late) well before journalctl sends the login.
    // Meanwhile `status` says why the hold has not ended.
    const journalDetail = () => {
      const status = JSON.parse(readFileSync(join(dir, 'run', 'status.json'), 'utf8')) as {
        sources: { name: string; detail?: string }[];
      };
      return status.sources.find((s) => s.name.startsWith('journal'))?.detail ?? '';
    };
    await waitFor(
      () => /clock held before \S+ for \d+ s: waiting for journalctl --follow/.test(journalDetail()),
      STALL_MS,
      'status saying the clock is held',
    );
    expect(bansOf(bot), 'no ban while the clock is held').toEqual([]);
    await waitFor(() => bansOf(bot).length > 0, STALL_MS + 10_000, "the bot's held ban");
    await sleep(1000);
    expect(bansOf(colleague), 'the colleague whose login was in the journal within the hold').toEqual([]);
    const ban = bansOf(bot)[0]!;
    expect(ban.time - at, "the bot's ban waited for the login journalctl held").toBeGreaterThanOrEqual(STALL_MS);
    const failures = serviceLog(out).filter((e) => e['event'] === 'journal-check-failed');
    expect(failures, 'no check of the journal failed').toEqual([]);
    // journalctl was asked, once, without --follow, for the newest of the entries the follower reads.
    const runs = readFileSync(argsLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { args: string[] }).args);
    const [follower, ...checks] = runs;
    expect(follower).toContain('--follow');
    expect(checks.length).toBeGreaterThan(0);
    const matches = (args: string[]) => args.filter((a) => a.startsWith('--identifier') || /^[A-Z_]+=/.test(a));
    for (const check of checks) {
      expect(check).not.toContain('--follow');
      expect(check).toContain('--lines=1');
      expect(matches(check)).toEqual(matches(follower!));
    }
  }, 60_000);
});
