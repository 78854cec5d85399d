import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { loopbackBurst, memoryLogger, realService, setUpServiceDir, tempDir, verdictLines } from './helpers.js';

/**
 * The service's wall-clock tick (CampaignService.tick) decides a held ban's end only once every followed file is
 * read to its end (ServiceSources.caughtUp). In-process, on real files, parsers and core, with the service's
 * intervals faked so that a tick comes exactly when the test says: the colleague's try is read (its hold runs), then
 * its login is written behind more than one look of the follower (RotatingFile's 8 MB) and a tick comes with the
 * wall clock, less LINE_DELAY_MS, already past the hold's end (the lines are stamped 10 s ago, a syslog queue's
 * delay). Only the guard keeps that tick from banning the colleague; the files' own followers never run in between.
 */
const HOLD_S = 2;
const TICK_MS = 1000;
/** Loopback lines (never counted) of ~13 MB: more than one look of the follower (8 MB), so one look stops short. */
const BURST = 150_000;
const bot = '203.0.113.77';
const colleague = '203.0.113.88';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.useRealTimers();
});

/** The service in-process following `names` (made empty) in a new directory, its ticks given by the test. */
async function serviceFollowing(names: readonly string[]) {
  const t = tempDir('hold-tick');
  cleanups.push(t.cleanup);
  const logs = names.map((name) => join(t.dir, name));
  for (const path of logs) writeFileSync(path, '');
  setUpServiceDir(t.dir, []);
  const config = parseConfigText(
    [
      '[service]',
      'start_at = start',
      `runtime_dir = ${join(t.dir, 'run')}`,
      '[detection]',
      `names_alone_hold = ${HOLD_S}s`,
    ].join('\n'),
    'test',
  );
  const verdicts = join(t.dir, 'verdicts.log');
  const where = {
    authLogs: logs,
    verdictLog: verdicts,
    stateDir: join(t.dir, 'state'),
    socketsFrom: join(t.dir, 'net'),
  };
  const settings = resolveSettings(config, where, { isRoot: false, cwd: t.dir, writable: () => true });
  // Only the intervals: the service's tick among them, and the followers' periodic look (their change notifications
  // and looks stay real, and run only when the test awaits).
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const service = realService(config, memoryLogger('warn').log, settings);
  await service.start();
  cleanups.push(() => service.stop());
  const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);
  const campaignOpen = () => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN');
  return { service, logs, bansOf, campaignOpen, tick: () => vi.advanceTimersByTime(TICK_MS) };
}

describe("the service's tick and a held ban whose login a follower has not read yet", () => {
  // One log: the login sits behind the burst in it. Two: auth.log is read to its end, and the second sshd's log
  // (stamped by syslog) holds the login behind a burst.
  it.each([
    { logs: ['auth.log'], where: 'the log' },
    { logs: ['auth.log', 'sshd-2222.log'], where: 'the other log' },
  ])('does not end the hold while $where holds the login behind a burst, and ends it once read', async (c) => {
    const { service, logs, bansOf, campaignOpen, tick } = await serviceFollowing(c.logs);
    const at = Date.now() - 10_000;
    appendFileSync(logs[0]!, campaignLog(at - 12 * 60_000));
    appendFileSync(logs[0]!, failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu'));
    service.settle();
    expect(campaignOpen(), 'the campaign opens').toBe(true);

    // The burst stamped with the try (it moves the clock past nothing), the login a second into the hold. Then, in
    // the same synchronous step, a tick at a wall clock 8 s past the hold's end.
    appendFileSync(logs.at(-1)!, loopbackBurst(at, BURST) + passwordLogin(colleague, at + 1000, 'alice'));
    tick();
    expect(bansOf(colleague), `the colleague, whose login ${c.where} still held`).toEqual([]);
    expect(bansOf(bot), `no hold ended while ${c.where} was behind`).toEqual([]);

    service.settle();
    tick();
    expect(bansOf(bot), "the bot's hold ended on the tick once every log was read").toHaveLength(1);
    expect(bansOf(colleague), 'the colleague, whose login was read before the hold was judged').toEqual([]);
  });
});
