import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { normaliseAddress } from '../../src/parse/address.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';

/** fail2ban's own sshd sample log, as Debian's fail2ban package installs it (read in place, never copied). */
export const FAIL2BAN_SSHD_CORPUS = '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd';

export interface CorpusCase {
  readonly lineNo: number;
  readonly line: string;
  readonly expectedHost: string;
  readonly gotIps: readonly string[];
}

/**
 * Walks the corpus in order (so per-connection state sees the lines as fail2ban does) and pairs every line whose
 * `# failJSON` says match with an IP host with the addresses our events for that line carry.
 */
export function walkCorpus(path = FAIL2BAN_SSHD_CORPUS): {
  cases: CorpusCase[];
  allEvents: { line: string; ip: string }[];
} {
  if (!existsSync(path))
    throw new Error(`${path} is missing: install Debian's fail2ban package (scripts/setup-dev.sh does)`);
  const lines = readFileSync(path, 'utf8').split('\n');
  const parser = new SshdParser({ referenceTime: Date.UTC(2005, 11, 31) });
  const cases: CorpusCase[] = [];
  const allEvents: { line: string; ip: string }[] = [];
  let expected: { match?: boolean; host?: string } | null = null;
  lines.forEach((line, index) => {
    const json = /^# failJSON: (.*)$/.exec(line);
    if (json) {
      expected = JSON.parse(json[1]!);
      return;
    }
    if (line.startsWith('#') || line.trim() === '') return;
    const event = parser.parseLine(line);
    if (event) allEvents.push({ line, ip: event.ip });
    const want = expected;
    expected = null;
    if (want?.match === true && typeof want.host === 'string' && isIP(want.host)) {
      cases.push({
        lineNo: index + 1,
        line,
        expectedHost: normaliseAddress(want.host)?.ip ?? want.host,
        gotIps: event ? [event.ip] : [],
      });
    }
  });
  return { cases, allEvents };
}
