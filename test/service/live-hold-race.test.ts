import { appendFileSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { loopbackBurst, serviceFiles, setUpServiceDir, sleep, verdictLines, waitFor } from './helpers.js';

/**
 * The race between the service's wall clock and its log follower: a held ban must not run out on the clock's tick
 * while a login written before the hold's end is still unread in the log. The bundled program follows a log; during
 * a campaign a colleague tries a sprayed name once (held, names_alone_hold = 2s) and logs in half a second later, but the
 * login is written behind a burst of lines from loopback (never counted: they change no judgement) that takes the
 * follower seconds to read, so the hold's end passes on the wall clock while the login waits in the file.
 */
// On tmpfs where there is one: the burst's 80 MB are then written at once, well within the hold.
const t = bundledSuite('live-hold-race', { fast: true });
const dir = t.dir;

const log = join(dir, 'auth.log');
const verdicts = join(dir, 'verdicts.log');
const HOLD_S = 2;
/** Loopback lines in the burst: ~100 MB, a dozen of the follower's 8 MB looks, seconds to read. */
const BURST = 1_200_000;

beforeAll(async () => {
  // A socket sample every second: stamped with the wall clock, one given to the core at once ended the hold too.
  setUpServiceDir(dir, [
    'sample_interval = 1s',
    'sample_interval_campaign = 1s',
    '[detection]',
    `names_alone_hold = ${HOLD_S}s`,
  ]);
  writeFileSync(log, '');
  t.start(serviceFiles(dir, log, verdicts), join(dir, 'service.out'));
}, 60_000);

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

/** `count` sshd lines of connections from loopback closed before any attempt, stamped `time`. */

describe('live service: a held ban and a login still unread when the hold ends', () => {
  it('reads the login before it judges the hold, however far behind the follower is', async () => {
    appendFileSync(log, campaignLog(Date.now() - 12 * 60_000));
    await waitFor(() => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'), 20_000, 'the campaign opens');

    const bot = '203.0.113.77';
    const colleague = '203.0.113.88';
    // The burst is made first (100 MB take a while to make), stamped before the try, so that its lines move the
    // service's clock past nothing. Then, at once: the colleague's wrong try, the burst, its login half a second later.
    // The follower reads the try (the hold starts), then needs seconds for the burst: the hold's end passes on the
    // wall clock meanwhile.
    const burst = Buffer.from(loopbackBurst(Date.now(), BURST));
    const at = Date.now();
    const fd = openSync(log, 'a');
    writeSync(fd, failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu'));
    writeSync(fd, burst);
    writeSync(fd, passwordLogin(colleague, at + 500, 'alice'));
    closeSync(fd);
    expect(Date.now() - at, 'the login was written within the hold').toBeLessThan(HOLD_S * 1000);

    await waitFor(() => bansOf(bot).length > 0, 20_000, "the bot's held ban");
    await sleep(2000);
    expect(bansOf(colleague), 'the colleague whose login was written within the hold').toEqual([]);
  }, 90_000);
});
