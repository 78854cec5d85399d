import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { loopbackBurst, serviceFiles, setUpServiceDir, sleep, verdictLines, waitFor } from './helpers.js';

/**
 * Two sshd logs followed at once (auth.log and the `sshd -E` file of a second sshd): the lines of one must not end a
 * held ban while a login written before the hold's end is still unread in the other. The bundled program follows
 * both; during a campaign a colleague tries a sprayed name once in the first (held, names_alone_hold = 10s) and logs
 * in half a second later through the second sshd, whose log is behind a burst of loopback lines (never counted: they
 * change no judgement). Then the first log gets a line stamped past the hold's end: its time moves the core's clock,
 * and it must not do so before the second log's login is read.
 */
// On tmpfs where there is one: the burst's 25 MB are then written at once, well within the hold.
const t = bundledSuite('live-hold-two-files', { fast: true });
const dir = t.dir;

const authLog = join(dir, 'auth.log');
const secondSshd = join(dir, 'sshd-2222.log');
const verdicts = join(dir, 'verdicts.log');
/** Long enough for the burst to be written within it on a loaded machine; the line past its end is stamped ahead. */
const HOLD_S = 10;
/**
 * Loopback lines in the burst: ~25 MB, three of the follower's 8 MB looks, still being read when the first log's
 * next line is (no bigger: the tests run side by side, and live-hold-race.test.ts writes 100 MB of its own).
 */
const BURST = 300_000;

beforeAll(async () => {
  setUpServiceDir(dir, ['[detection]', `names_alone_hold = ${HOLD_S}s`]);
  writeFileSync(authLog, '');
  writeFileSync(secondSshd, '');
  const args = [...serviceFiles(dir, authLog, verdicts), '--auth-log', secondSshd];
  t.start(args, join(dir, 'service.out'));
}, 60_000);

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

/** `count` sshd lines of connections from loopback closed before any attempt, stamped `time`. */

function append(path: string, text: string | Buffer): void {
  const fd = openSync(path, 'a');
  writeSync(fd, typeof text === 'string' ? Buffer.from(text) : text);
  closeSync(fd);
}

describe('live service following two logs: a held ban and a login still unread in the other log', () => {
  it("reads the other log's login before a line past the hold's end is taken", async () => {
    append(authLog, campaignLog(Date.now() - 12 * 60_000));
    await waitFor(() => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'), 20_000, 'the campaign opens');

    const bot = '203.0.113.77';
    const colleague = '203.0.113.88';
    // The burst is made first (25 MB take a while to make), stamped before the try, so that its lines move the
    // service's clock past nothing.
    const burst = Buffer.from(loopbackBurst(Date.now(), BURST));
    const at = Date.now();
    append(authLog, failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu'));
    append(secondSshd, burst);
    append(secondSshd, passwordLogin(colleague, at + 500, 'alice'));
    // A line of the first log stamped past the hold's end (a clock a little ahead, or simply the next second's
    // line): read at once, long before the second log's burst is through.
    append(authLog, loopbackBurst(at + (HOLD_S + 1) * 1000, 1));
    expect(Date.now() - at, 'the login was written within the hold').toBeLessThan(HOLD_S * 1000);

    await waitFor(() => bansOf(bot).length > 0, 20_000, "the bot's held ban");
    await sleep(2000);
    expect(bansOf(colleague), 'the colleague whose login was written within the hold').toEqual([]);
  }, 90_000);
});
