import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { loopbackBurst, serviceFiles, setUpServiceDir, sleep, verdictLines, waitFor } from './helpers.js';

/**
 * The race between the service's wall clock and its log follower: a held ban must not run out on the clock's tick
 * while a login written before the hold's end is still unread in the log. The bundled program starts on a log that
 * already holds, 10 s old: a campaign; a colleague's try of a sprayed name (held, names_alone_hold = 2s); a burst of
 * lines from loopback (never counted: they change no judgement) that takes the follower seconds to read; and the
 * colleague's login half a second after the try. The hold's end is 8 s behind the wall clock before the first tick
 * comes, a second after the follower began: only the tick's wait for the follower (ServiceSources.caughtUp) keeps
 * it from banning the colleague, whose login is still unread then. (Written live, stamped when written, the hold
 * ended on the clock 4 to 5 s after the try was read, the burst read by then: the test passed without the wait.
 * hold-tick.test.ts decides the same race tick by tick, in-process.)
 */
// On tmpfs where there is one: the burst's 100 MB are read as fast as the follower can.
const t = bundledSuite('live-hold-race', { fast: true });
const dir = t.dir;

const log = join(dir, 'auth.log');
const verdicts = join(dir, 'verdicts.log');
const HOLD_S = 2;
/** Loopback lines in the burst: ~100 MB, a dozen of the follower's 8 MB looks, seconds to read. */
const BURST = 1_200_000;
/** How old the colleague's try is when the service starts: its hold ended long before the first tick. */
const AGO_MS = 10_000;
const bot = '203.0.113.77';
const colleague = '203.0.113.88';

beforeAll(async () => {
  // A socket sample every second: stamped with the wall clock, one given to the core at once ended the hold too.
  setUpServiceDir(dir, [
    'sample_interval = 1s',
    'sample_interval_campaign = 1s',
    '[detection]',
    `names_alone_hold = ${HOLD_S}s`,
  ]);
  // The burst is stamped as the try, so that its lines move the service's clock past nothing.
  const at = Date.now() - AGO_MS;
  const fd = openSync(log, 'w');
  writeSync(fd, campaignLog(at - 12 * 60_000) + failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu'));
  writeSync(fd, loopbackBurst(at, BURST));
  writeSync(fd, passwordLogin(colleague, at + 500, 'alice'));
  closeSync(fd);
  t.start(serviceFiles(dir, log, verdicts), join(dir, 'service.out'));
}, 60_000);

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

describe('live service: a held ban and a login still unread when the hold ends', () => {
  it('reads the login before it judges the hold, however far behind the follower is', async () => {
    await waitFor(() => bansOf(bot).length > 0, 20_000, "the bot's held ban");
    expect(
      verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'),
      'the campaign the try joined',
    ).toBe(true);
    // The colleague's hold ended with the bot's, at the same tick: a second more shows nothing came after.
    await sleep(1000);
    expect(bansOf(colleague), 'the colleague whose login was written within the hold').toEqual([]);
  }, 90_000);
});
