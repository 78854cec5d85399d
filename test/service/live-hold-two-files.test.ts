import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { loopbackBurst, serviceFiles, setUpServiceDir, sleep, verdictLines, waitFor } from './helpers.js';

/**
 * Two sshd logs followed at once (auth.log and the log of a second sshd): the lines of one must not end a held ban
 * while a login written before the hold's end is still unread in the other. The bundled program starts on both,
 * already written: in the first, a campaign, a colleague's try of a sprayed name (held, names_alone_hold = 10s) and
 * a line stamped past the hold's end; in the second, a burst of loopback lines (never counted: they change no
 * judgement) and the colleague's login half a second after the try. The first log's lines are read in one look,
 * before the second's burst: the line past the end would end the hold then, unless the other log is read to its
 * end first (ServiceSources.readOthers). The tick's own wait (caughtUp) decides nothing here, the line coming long
 * before any tick: hold-tick.test.ts has the tick's side. (Written live, the second log was sometimes read before
 * the first log's line came, and the test passed 1 run in 5 without readOthers.)
 */
// On tmpfs where there is one.
const t = bundledSuite('live-hold-two-files', { fast: true });
const dir = t.dir;

const authLog = join(dir, 'auth.log');
const secondSshd = join(dir, 'sshd-2222.log');
const verdicts = join(dir, 'verdicts.log');
const HOLD_S = 10;
/** Loopback lines in the burst: ~25 MB, three of the follower's 8 MB looks, however the looks are ordered. */
const BURST = 300_000;
const bot = '203.0.113.77';
const colleague = '203.0.113.88';

beforeAll(async () => {
  setUpServiceDir(dir, ['[detection]', `names_alone_hold = ${HOLD_S}s`]);
  // A minute ago: the line past the hold's end is in the past too. The burst is stamped as the try, so that its
  // lines move the service's clock past nothing.
  const at = Date.now() - 60_000;
  const tries = failedTry(bot, at, 'oracle') + failedTry(colleague, at, 'ubuntu');
  writeFileSync(authLog, campaignLog(at - 12 * 60_000) + tries + loopbackBurst(at + (HOLD_S + 1) * 1000, 1));
  writeFileSync(secondSshd, loopbackBurst(at, BURST) + passwordLogin(colleague, at + 500, 'alice'));
  const args = [...serviceFiles(dir, authLog, verdicts), '--auth-log', secondSshd];
  t.start(args, join(dir, 'service.out'));
}, 60_000);

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

describe('live service following two logs: a held ban and a login still unread in the other log', () => {
  it("reads the other log's login before a line past the hold's end is taken", async () => {
    await waitFor(() => bansOf(bot).length > 0, 20_000, "the bot's held ban");
    expect(
      verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'),
      'the campaign the try joined',
    ).toBe(true);
    // The colleague's hold ended with the bot's, on the same line: a second more shows nothing came after.
    await sleep(1000);
    expect(bansOf(colleague), 'the colleague whose login was written within the hold').toEqual([]);
  }, 90_000);
});
