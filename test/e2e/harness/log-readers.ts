import { parseVerdictLine } from '../../../src/verdict/verdict-line.js';

/**
 * Minimal readers for the three logs the e2e test checks its outcome against: sshd's auth.log (as rsyslog wrote
 * it), fail2ban's own log, and the verdict log. They read what the programs wrote, independently of f2b-campaign's
 * own parser, so the test does not take the product's word for what happened.
 */
export interface SshdRecord {
  readonly time: number;
  readonly ip: string;
  readonly what: 'failed-password' | 'accepted' | 'closed-no-auth';
  readonly user?: string;
}

const SYSLOG = /^(\S+) \S+ sshd\[\d+\]: (.*)$/;
const FAILED = /^Failed password for (?:invalid user )?(\S+) from (\S+) port \d+ ssh2$/;
const ACCEPTED = /^Accepted \S+ for (\S+) from (\S+) port \d+ ssh2/;
const CLOSED = /^Connection closed by (\d+\.\d+\.\d+\.\d+) port \d+$/;

export function readSshdRecords(text: string): SshdRecord[] {
  const out: SshdRecord[] = [];
  for (const line of text.split('\n')) {
    const m = SYSLOG.exec(line);
    if (!m) continue;
    const time = Date.parse(m[1]!);
    const message = m[2]!;
    const failed = FAILED.exec(message);
    const accepted = failed ? null : ACCEPTED.exec(message);
    const closed = failed || accepted ? null : CLOSED.exec(message);
    if (failed) out.push({ time, ip: failed[2]!, what: 'failed-password', user: failed[1]! });
    else if (accepted) out.push({ time, ip: accepted[2]!, what: 'accepted', user: accepted[1]! });
    else if (closed) out.push({ time, ip: closed[1]!, what: 'closed-no-auth' });
  }
  return out;
}

export interface Fail2banAction {
  readonly time: number;
  readonly jail: string;
  readonly action: 'Ban' | 'Unban' | 'Restore Ban' | 'Found';
  readonly ip: string;
}

// 2025-05-20 14:03:07,412 fail2ban.actions [812]: NOTICE  [f2b-campaign] Ban 127.0.0.10
const F2B =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) fail2ban\.\w+\s+\[\d+\]: \w+\s+\[([^\]]+)\] (Ban|Unban|Restore Ban|Found) (\S+)/;

/** fail2ban writes its log in local time. */
export function readFail2banActions(text: string): Fail2banAction[] {
  const out: Fail2banAction[] = [];
  for (const line of text.split('\n')) {
    const m = F2B.exec(line);
    if (!m) continue;
    const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    out.push({
      time: new Date(y, mo - 1, d, h, mi, s, ms).getTime(),
      jail: m[8]!,
      action: m[9] as Fail2banAction['action'],
      ip: m[10]!,
    });
  }
  return out;
}

export interface VerdictRecord {
  readonly time: number;
  readonly verb: string;
  readonly fields: ReadonlyMap<string, string>;
  readonly line: string;
}

export function readVerdicts(text: string): VerdictRecord[] {
  const out: VerdictRecord[] = [];
  for (const line of text.split('\n')) {
    const parsed = parseVerdictLine(line);
    if (parsed) out.push({ time: parsed.time, verb: parsed.verb, fields: parsed.fields, line });
  }
  return out;
}
