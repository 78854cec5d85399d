import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { bundledSuite } from './bundled-suite.js';
import { serviceFiles, setUpServiceDir, sleep, verdictLines, waitFor } from './helpers.js';

/**
 * names_alone_hold in the running service: a held ban is written by the service's clock (its tick), with no line
 * after the attempt to carry it, and a login during the hold spares the source. The bundled program in a child
 * process follows a log to which a campaign (8 sources on a 167 s rhythm with one dictionary, stamped in the last
 * 12 minutes) is appended, then two newcomers trying a name of that dictionary once, one of which logs in.
 */
const t = bundledSuite('live-hold');
const dir = t.dir;
const log = join(dir, 'auth.log');
const verdicts = join(dir, 'verdicts.log');
const HOLD_S = 2;

beforeAll(() => {
  setUpServiceDir(dir, ['[detection]', `names_alone_hold = ${HOLD_S}s`]);
  writeFileSync(log, '');
  t.start(serviceFiles(dir, log, verdicts), join(dir, 'service.out'));
});

const bansOf = (ip: string) => verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip') === ip);

describe('live service with names_alone_hold', () => {
  it('writes a held ban when the hold runs out, with no line to carry it, and spares a source that logs in', async () => {
    appendFileSync(log, campaignLog(Date.now() - 12 * 60_000));
    await waitFor(() => verdictLines(verdicts).some((v) => v.verb === 'CAMPAIGN'), 20_000, 'the campaign opens');

    const bot = '203.0.113.77';
    const user = '203.0.113.88';
    const at = Date.now();
    appendFileSync(log, failedTry(bot, at, 'oracle') + failedTry(user, at, 'ubuntu'));
    appendFileSync(log, passwordLogin(user, at + 1000, 'alice'));

    await sleep(1000);
    expect(bansOf(bot), 'no ban during the hold').toEqual([]);
    await waitFor(() => bansOf(bot).length > 0, 10_000, 'the held ban');
    const ban = bansOf(bot)[0]!;
    expect(Number(ban.fields.get('held'))).toBeGreaterThanOrEqual(HOLD_S);
    expect(ban.time - at).toBeGreaterThanOrEqual(HOLD_S * 1000 - 5);
    expect(ban.fields.get('match')).toBe('join');
    // The source that logged in: its hold ended with the login, nothing comes after it.
    await sleep(2000);
    expect(bansOf(user)).toEqual([]);
  }, 60_000);
});
