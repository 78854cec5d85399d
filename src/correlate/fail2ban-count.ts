import type { AuthEvent, AuthEventReason } from '../core/auth-event.js';

/**
 * The sshd messages Debian's fail2ban (1.0.2, filter.d/sshd.conf, mode = normal) counts as failures. It matches
 * lines, not attempts: the `Invalid user X` line and the `Failed password for invalid user X` line of one try are
 * two failures to it (tested with fail2ban-regex in test/scenarios/under-fail2ban.test.ts and test/e2e), while our
 * parser makes them one attempt. So are sshd's `PAM: Authentication failure for U from A` and the `Failed
 * keyboard-interactive/pam` line of a keyboard-interactive try (test/correlate/fail2ban-count.test.ts, on a real
 * sshd's log). `Failed publickey` and pam_unix's `authentication failure` are marked NOFAIL in that filter and not
 * counted; pre-auth closes count only in its aggressive and ddos modes, and in normal mode where it read two names
 * in the connection, which the parser gives as a failure of no attempt (connection-tracker.ts, FAIL2BAN_CLOSE). A
 * jsch client's `Received disconnect from A port P:3: ...: Auth fail` is a failure to it, after a try or alone.
 */
const COUNTED: ReadonlySet<AuthEventReason> = new Set<AuthEventReason>([
  'failed-password',
  'failed-keyboard-interactive',
  'failed-none',
  'failed-other',
  'invalid-user',
  'not-allowed',
  'pam-query-failure',
  'root-refused',
  'max-attempts',
  'auth-fail-disconnect',
]);

/** A connection's end: a failure of its own (a publickey offer INFO does not log) is NOFAIL to that filter. */
const CLOSES: ReadonlySet<AuthEventReason> = new Set<AuthEventReason>([
  'closed-preauth',
  'reset-preauth',
  'disconnected-preauth',
]);

/**
 * Failures fail2ban's sshd jail counts for this event: one per line it matches, so a source's position against
 * maxretry is judged the way fail2ban judges it. A line of rsyslog's standing for N repeats is none: fail2ban-regex
 * matches no `message repeated N times` line (until 2026-11-24 we counted N).
 */
export function fail2banFailures(e: AuthEvent): number {
  // Its expressions start where sshd's message does: `message repeated N times: [ Failed ...]` is none of them.
  if (e.kind !== 'failure' || e.repeated === true) return 0;
  if (CLOSES.has(e.reason)) return e.count === 0 ? 1 : 0;
  if (!COUNTED.has(e.reason)) return 0;
  return Math.max(1, e.count);
}
