import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { fail2banLine } from './log-writers.js';

/** The time the torn-part tests' logs begin at, and a time `minutes` (and `seconds`) after it. */
export const T = Date.parse('2026-02-15T10:00:00Z');
export const at = (minutes: number, seconds = 0) => T + minutes * 60_000 + seconds * 1000;

/** fail2ban's lines the tests write: its jail started before every verdict, and a Ban of the jail. */
export const JAIL_STARTED = fail2banLine(at(-5), 'jail', 'INFO', "Jail 'f2b-campaign' started");
export const f2bBan = (t: number, ip: string) => fail2banLine(t, 'actions', 'NOTICE', `[f2b-campaign] Ban ${ip}`);

/** The first bytes of `line`, up to and with the first `upTo`: where a full disk cut it. */
export const cut = (line: string, upTo: string) => line.slice(0, line.indexOf(upTo) + upTo.length);

/** A test file's directory and its bundle of the program (tornSuite). */
export interface TornSuite {
  readonly dir: string;
  /** The bundled program (bundleCli); empty until beforeAll has run. */
  readonly cli: string;
  /**
   * Writes `name`'s verdict log (`verdicts` as is: its last line may have no newline) and fail2ban's log (`fail2ban`
   * after JAIL_STARTED), runs the bundled `audit` on them with `extra`, expects it to exit 0, and gives its stdout.
   * The logs are `dir/NAME-verdicts.log` and `dir/NAME-fail2ban.log`.
   */
  audit(name: string, verdicts: string, fail2ban: readonly string[], extra: readonly string[]): Promise<string>;
}

/**
 * The set-up the torn-part tests of the bundled `audit` share: bundledCliSuite's directory and bundle, and `audit`,
 * which writes one case's logs and audits them.
 */
export function tornSuite(name: string): TornSuite {
  const suite = bundledCliSuite(`audit-${name}`);
  const dir = suite.dir;
  return {
    dir,
    get cli() {
      return suite.bundle;
    },
    async audit(name, verdicts, fail2ban, extra) {
      const verdictLog = join(dir, `${name}-verdicts.log`);
      const fail2banLog = join(dir, `${name}-fail2ban.log`);
      writeFileSync(verdictLog, verdicts);
      writeFileSync(fail2banLog, `${[JAIL_STARTED, ...fail2ban].join('\n')}\n`);
      const run = await suite.run(['audit', '--verdicts', verdictLog, '--fail2ban-log', fail2banLog, ...extra]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout;
    },
  };
}
