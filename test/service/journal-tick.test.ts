import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { campaignLog, failedTry, journalEntries } from '../helpers/campaign-log.js';
import { memoryLogger, realService, setUpServiceDir, tempDir, verdictLines, waitFor } from './helpers.js';

/**
 * The service's wall-clock tick moves the core's clock only once every source is read as far as can be known
 * (ServiceSources.caughtUp): for the journal, once journalctl has sent nothing for a second. While it streams, the
 * entries still in its pipe were written before the tick; a clock moved to the wall clock then would give each of
 * them the clock's time instead of its own (a backlog read after a restart: its attempts all at one moment, the
 * campaign's last sight of its members, which `status` shows and its end is counted from, when they were read, not
 * when they tried). With no deadline pending (no hold, the
 * campaign's end far off) the journal check (journal-check.ts) does not hold the clock, so this wait is the only
 * guard; hold-tick.test.ts is the files' side.
 *
 * In-process, on the fake journalctl, the real parser and detector; the service's intervals and Date faked, so a tick
 * comes exactly when the test says, half a second after journalctl last sent.
 */
const FAKE = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
const HALF_TICK_MS = 500;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.useRealTimers();
});

async function serviceFollowingJournal() {
  const t = tempDir('journal-tick');
  cleanups.push(t.cleanup);
  const journal = join(t.dir, 'journal.json');
  writeFileSync(journal, '');
  setUpServiceDir(t.dir, []);
  const config = parseConfigText(
    [
      '[service]',
      'source = journal',
      `journalctl = ${FAKE}`,
      'start_at = start',
      `runtime_dir = ${join(t.dir, 'run')}`,
      '[detection]',
      // A newcomer trying the campaign's names is banned at once: no hold, so no deadline for the journal check.
      'names_alone_hold = 0s',
    ].join('\n'),
    'test',
  );
  const verdicts = join(t.dir, 'verdicts.log');
  const where = { verdictLog: verdicts, stateDir: join(t.dir, 'state'), socketsFrom: join(t.dir, 'net') };
  const settings = resolveSettings(config, where, { isRoot: false, cwd: t.dir, writable: () => true });
  const saved = process.env['F2B_FAKE_JOURNAL'];
  process.env['F2B_FAKE_JOURNAL'] = journal;
  cleanups.push(() => {
    if (saved === undefined) delete process.env['F2B_FAKE_JOURNAL'];
    else process.env['F2B_FAKE_JOURNAL'] = saved;
  });
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  const service = realService(config, memoryLogger('warn').log, settings);
  await service.start();
  cleanups.push(() => service.stop());
  const banOf = (ip: string) => verdictLines(verdicts).find((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);
  /**
   * Appends a newcomer's try as journal entries, waits (real time; the faked Date stands still) for its ban, and
   * says when the campaign it joined was last seen, as `status` shows it.
   */
  const joinAndLastSeen = async (ip: string, time: number, user: string) => {
    appendFileSync(journal, journalEntries(failedTry(ip, time, user)));
    await waitFor(() => banOf(ip) !== undefined, 20_000, `the ban of ${ip}`);
    const core = (service.status()!.core as { detection: { campaigns: Array<{ lastSeen: string }> } }).detection;
    expect(core.campaigns, 'one campaign').toHaveLength(1);
    return Date.parse(core.campaigns[0]!.lastSeen);
  };
  return { journal, verdicts, joinAndLastSeen };
}

describe("the service's tick while journalctl is still sending", () => {
  it('leaves the clock where the entries put it, and moves it once journalctl is quiet', async () => {
    const { journal, verdicts, joinAndLastSeen } = await serviceFollowingJournal();
    const start = Date.now();
    appendFileSync(journal, journalEntries(campaignLog(start - 12 * 60_000)));
    await waitFor(() => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'), 20_000, 'the campaign opens');

    // Half a tick on, journalctl sends a newcomer's try of a minute ago; half a tick later the tick comes.
    vi.advanceTimersByTime(HALF_TICK_MS);
    expect(await joinAndLastSeen('203.0.113.71', start - 60_000, 'oracle'), 'seen at its try').toBe(start - 60_000);
    vi.advanceTimersByTime(HALF_TICK_MS);

    // journalctl sent half a second before that tick: it left the clock, and the next entry keeps its own time.
    expect(
      await joinAndLastSeen('203.0.113.72', start - 50_000, 'ubuntu'),
      'a try of 50 s ago, read after a tick that came while journalctl was sending',
    ).toBe(start - 50_000);

    // A second later journalctl has been quiet for a second: the tick moves the clock to the wall clock, less the
    // two seconds allowed to lines on their way, and an entry older than that counts at the clock's time.
    vi.advanceTimersByTime(2 * HALF_TICK_MS);
    expect(
      await joinAndLastSeen('203.0.113.73', start - 40_000, 'guest'),
      'the clock moved by the tick once journalctl was quiet',
    ).toBe(Date.now() - 2000);
  }, 60_000);
});
