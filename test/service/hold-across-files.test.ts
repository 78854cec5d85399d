import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { Pipeline } from '../../src/service/pipeline.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { ServiceSources } from '../../src/service/service-sources.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import type { VerdictWriter } from '../../src/service/verdict-writer.js';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { memoryLogger, tempDir } from './helpers.js';

/**
 * The service's two followed logs, read as its followers read them (real files, parsers and core; no timers in
 * between, so the order of reading is the test's): the first log's line past a held ban's end is read while the
 * second log (a second sshd's `sshd -E` file, whose lines carry no time) still holds the colleague's login, written
 * before that end. The colleague must be spared, and the hold still end for the bot that tried with it.
 */
const t = tempDir('hold-across-files');
afterAll(t.cleanup);

const HOLD_MS = 2000;
const bot = '203.0.113.77';
const colleague = '203.0.113.88';

/** The service's followers of `logs` (made empty) with a real core holding names-alone bans for HOLD_MS. */
async function followers(logs: readonly string[]) {
  for (const path of logs) writeFileSync(path, '');
  mkdirSync(join(t.dir, 'state'), { recursive: true });
  const config = parseConfigText('[service]\nstart_at = start\n', 'test');
  const where = { authLogs: logs, verdictLog: join(t.dir, 'v.log'), stateDir: join(t.dir, 'state') };
  const settings = resolveSettings(config, where, { isRoot: false, cwd: t.dir, writable: () => true });
  const verdicts: Verdict[] = [];
  const writer = { write: (v: Verdict) => String(verdicts.push(v)) } as unknown as VerdictWriter;
  const { log } = memoryLogger('warn');
  const core = createCore({ names_alone_hold: HOLD_MS }, DEBIAN_DEFAULT_THRESHOLDS);
  const pipeline = new Pipeline(core, writer, new VerdictDedupe(), log);
  const sources = new ServiceSources(settings, pipeline, null, log);
  // The file followers only (the test gives the samples): their looks run when the test says.
  for (const file of sources.files) await file.start();
  const bansOf = (ip: string) =>
    verdicts.filter((v) => v.verb === 'BAN' && v.fields.some(([k, value]) => k === 'ip' && value === ip));
  return { pipeline, sources, verdicts, bansOf, files: sources.files.map((f) => f.current!) };
}

describe('held bans across two followed logs', () => {
  it("judges a hold only once the other log's login is read, and gives that unstamped login a time within the hold", async () => {
    const authLog = join(t.dir, 'auth.log');
    const sshdE = join(t.dir, 'sshd-2222.log');
    const { sources, verdicts, bansOf, files } = await followers([authLog, sshdE]);
    try {
      const first = files[0];
      const now = Date.now();
      appendFileSync(authLog, campaignLog(now - 12 * 60_000));
      first!.drainNow();
      expect(verdicts.some((v) => v.verb === 'CAMPAIGN')).toBe(true);

      // In one synchronous step, as two followers find them: the tries 5 s ago (their holds ended 3 s ago), the
      // colleague's login in the second sshd's log, then, in auth.log, the next line past the holds' end.
      appendFileSync(authLog, failedTry(bot, now - 5000, 'oracle') + failedTry(colleague, now - 5000, 'ubuntu'));
      appendFileSync(sshdE, `Accepted password for alice from ${colleague} port 51000 ssh2\n`);
      appendFileSync(authLog, failedTry('198.51.100.200', now - 1000, 'zq7x'));
      first!.drainNow();

      expect(bansOf(bot), "the bot's hold ended on auth.log's line").toHaveLength(1);
      expect(bansOf(colleague), 'the colleague, whose login was in the other log').toEqual([]);
    } finally {
      await sources.stop();
    }
  });

  it("does not end a later hold on the other log's newer lines while the asking log still holds that hold's login", async () => {
    const authLog = join(t.dir, 'behind.log');
    const other = join(t.dir, 'other.log');
    const { verdicts, sources, bansOf, files } = await followers([authLog, other]);
    try {
      const now = Date.now();
      appendFileSync(authLog, campaignLog(now - 12 * 60_000));
      files[0]!.drainNow();
      expect(verdicts.some((v) => v.verb === 'CAMPAIGN')).toBe(true);
      // auth.log behind: the bot's try, the colleague's a second later, a line past the bot's hold only, then the
      // colleague's login at its hold's last instant. The other log, read to its end when that line asks, holds a
      // line of now, past both holds.
      const start = Math.floor((now - 30_000) / 1000) * 1000;
      appendFileSync(authLog, failedTry(bot, start, 'oracle') + failedTry(colleague, start + 1000, 'ubuntu'));
      appendFileSync(authLog, failedTry('198.51.100.200', start + 3000, 'zq7x'));
      appendFileSync(authLog, passwordLogin(colleague, start + 3000, 'alice'));
      appendFileSync(other, failedTry('198.51.100.201', now - 1000, 'zq8x'));
      files[0]!.drainNow();
      files[1]!.drainNow();

      expect(bansOf(bot), "the bot's hold ended").toHaveLength(1);
      expect(bansOf(colleague), 'the colleague, whose login auth.log still held').toEqual([]);
    } finally {
      await sources.stop();
    }
  });

  /**
   * One followed log during a campaign: the colleague's wrong try is read (its hold runs), and its login a second
   * later is in the file but not read yet (the follower behind a burst) at `now`.
   */
  async function loginUnread(name: string) {
    const authLog = join(t.dir, name);
    const followed = await followers([authLog]);
    const now = Date.now();
    try {
      appendFileSync(authLog, campaignLog(now - 12 * 60_000));
      followed.files[0]!.drainNow();
      expect(followed.verdicts.some((v) => v.verb === 'CAMPAIGN')).toBe(true);
      appendFileSync(authLog, failedTry(colleague, now - 5000, 'ubuntu'));
      followed.files[0]!.drainNow();
      appendFileSync(authLog, passwordLogin(colleague, now - 4000, 'alice'));
    } catch (error) {
      await followed.sources.stop();
      throw error;
    }
    return { ...followed, now };
  }

  it('lets no socket sample end a hold: a sample says nothing of the login still unread in the log', async () => {
    const { pipeline, sources, bansOf, files, now } = await loginUnread('sampled.log');
    try {
      // The sampler's timer fires while the login waits in the file.
      pipeline.onSample({ time: now, rows: [] });
      files[0]!.drainNow();
      expect(bansOf(colleague)).toEqual([]);
    } finally {
      await sources.stop();
    }
  });
  it("lets no sample given for want of room end a hold: the oldest is given no later than the hold's end", async () => {
    const { pipeline, sources, bansOf, files, now } = await loginUnread('crowded.log');
    try {
      // While the login waits in the file (the follower far behind), more samples come than may wait.
      for (let i = 0; i <= 720; i++) pipeline.onSample({ time: now + i, rows: [] });
      files[0]!.drainNow();
      expect(bansOf(colleague)).toEqual([]);
    } finally {
      await sources.stop();
    }
  });
});
