/**
 * sshd lines of a small campaign, as rsyslog writes them on Debian 12 (RFC 3339 stamps): eight sources trying names
 * of one dictionary three times each, 167 s apart, starting 40 s apart (about ten minutes in all). Enough for the
 * detector's defaults to open a campaign whose dictionary later newcomers join on.
 */
export const CAMPAIGN_NAMES = ['admin', 'oracle', 'ubuntu', 'guest', 'test'];

let pid = 4000;

/** sshd's two lines for one failed try of an unknown name. */
export function failedTry(ip: string, time: number, user: string): string {
  const head = `${stamp(time)} host sshd[${++pid}]:`;
  const port = 40000 + (pid % 20000);
  return (
    `${head} Invalid user ${user} from ${ip} port ${port}\n` +
    `${head} Failed password for invalid user ${user} from ${ip} port ${port} ssh2\n`
  );
}

/** sshd's line for one failed try of a name that is an account here (no `Invalid user` line). */
export function failedAccountTry(ip: string, time: number, user: string): string {
  const port = 40000 + ((pid + 1) % 20000);
  return `${stamp(time)} host sshd[${++pid}]: Failed password for ${user} from ${ip} port ${port} ssh2\n`;
}

/** sshd's line for a password login. */
export function passwordLogin(ip: string, time: number, user: string): string {
  return `${stamp(time)} host sshd[${++pid}]: Accepted password for ${user} from ${ip} port 51000 ssh2\n`;
}

/** The campaign's lines, in time order, from `start`. */
export function campaignLog(start: number): string {
  const members = Array.from({ length: 8 }, (_, i) => `198.18.${10 + i * 3}.${20 + i}`);
  const tries: Array<[number, string, string]> = [];
  members.forEach((ip, i) => {
    for (let k = 0; k < 3; k++) {
      tries.push([start + i * 40_000 + k * 167_000, ip, CAMPAIGN_NAMES[(i + k) % CAMPAIGN_NAMES.length]!]);
    }
  });
  return tries
    .sort((a, b) => a[0] - b[0])
    .map(([time, ip, user]) => failedTry(ip, time, user))
    .join('');
}

let journalSeq = 0;
/**
 * auth.log `text` as journald's entries of sshd, cursors in journald's form (the service orders them as sd-journal
 * does: by the sequence number within one journal); `extra` is added to the first.
 */
export function journalEntries(text: string, extra: Record<string, string> = {}): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, k) => {
      const m = /^(\S+) (\S+) sshd\[(\d+)\]: (.*)$/.exec(line)!;
      const time = Date.parse(m[1]!) * 1000;
      const i = (++journalSeq).toString(16);
      const cursor = `s=${'5'.repeat(32)};i=${i};b=${'b'.repeat(32)};m=${i};t=${time.toString(16)};x=${i}`;
      const entry = {
        __CURSOR: cursor,
        __REALTIME_TIMESTAMP: String(time),
        _HOSTNAME: m[2]!,
        SYSLOG_IDENTIFIER: 'sshd',
        SYSLOG_PID: m[3]!,
        _UID: '0',
        _TRANSPORT: 'syslog',
        MESSAGE: m[4]!,
        ...(k === 0 ? extra : {}),
      };
      return `${JSON.stringify(entry)}\n`;
    })
    .join('');
}

function stamp(time: number): string {
  return new Date(time).toISOString().replace('Z', '+00:00');
}
