import type { AuthEvent, AuthEventReason } from '../core/auth-event.js';

/**
 * The sshd messages Debian's fail2ban (1.0.2, filter.d/sshd.conf, mode = normal) counts as failures. It matches
 * lines, not attempts: the `Invalid user X` line and the `Failed password for invalid user X` line of one try are
 * two failures to it (tested with fail2ban-regex in test/scenarios/under-fail2ban.test.ts and test/e2e), while our
 * parser makes them one attempt. `Failed publickey` and pam_unix's `authentication failure` are marked NOFAIL in
 * that filter and not counted; pre-auth closes count only in its aggressive and ddos modes.
 */
const COUNTED: ReadonlySet<AuthEventReason> = new Set<AuthEventReason>([
  'failed-password',
  'failed-keyboard-interactive',
  'failed-none',
  'failed-other',
  'invalid-user',
  'not-allowed',
  'root-refused',
  'max-attempts',
]);

/**
 * Failures fail2ban's sshd jail counts for this event: one per line it matches (a line standing for N repeats
 * counts N), so a source's position against maxretry is judged the way fail2ban judges it.
 */
export function fail2banFailures(e: AuthEvent): number {
  if (e.kind !== 'failure' || !COUNTED.has(e.reason)) return 0;
  return Math.max(1, e.count);
}
