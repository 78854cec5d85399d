/**
 * What a classified sshd message says (src/parse/sshd-message.ts makes these): its role in counting, its reason,
 * and the fields read from it. Apart from the classifier so that the connection tracker, which counts by role, needs
 * only this.
 */
import type { AuthEventReason } from '../core/auth-event.js';

/**
 * How a message counts, before the per-connection bookkeeping in connection-tracker.ts:
 * - attempt:  a `Failed ...` line, the definitive record of one try;
 * - announce: a line written just before the `Failed` line of the same try (`Invalid user`, sshd's `PAM:
 *             Authentication failure`, `not allowed because`, `ROOT LOGIN REFUSED`), counted once for the pair;
 * - echo:     a PAM module's own record of a try whose sshd line counts it (pam_unix's `authentication failure`),
 *             never counted: for keyboard-interactive it comes from a process of its own, whose pid pairs it with
 *             nothing;
 * - summary:  a line closing a run of failures (`maximum authentication attempts exceeded`, `PAM 2 more`);
 * - close:    the connection ended before authentication completed (a probe if nothing was tried);
 * - probe:    the connection never got as far as authentication;
 * - success, session: what they say;
 * - none:     an sshd message we know that names no address or carries no attempt.
 */
export type MessageRole =
  | 'attempt'
  | 'announce'
  | 'echo'
  | 'summary'
  | 'close'
  | 'probe'
  | 'success'
  | 'session'
  | 'none';

/** Every field is always present (undefined when absent): one object shape keeps the hot path monomorphic. */
export interface MessageMatch {
  readonly role: MessageRole;
  readonly reason: AuthEventReason | 'other';
  /** The address token exactly as sshd wrote it (normalised later). */
  readonly addr: string | undefined;
  readonly port: number | undefined;
  readonly user: string | undefined;
  readonly invalidUser: boolean;
  readonly method: string | undefined;
  /** For close lines: the client said it had tried and failed (jsch `Auth fail`, code 14). */
  readonly triedAuth: boolean;
  /** `message repeated N times`: the inner message stands for N occurrences. */
  readonly repeat: number;
  /** The message came inside rsyslog's `message repeated N times: [ ... ]` (N may be 1). */
  readonly repeated: boolean;
  /**
   * For close lines: a second close line of the same connection always follows (`Received disconnect from A port
   * P` is followed by `Disconnected from [authenticating|invalid user U ]A port P`), and says more: whether the
   * client had tried to authenticate. This one ends the connection and leaves counting it to that one.
   */
  readonly closedAgain: boolean;
  /** The connection's pid when the line names it (OpenSSH 9.8+'s listener on its child's login timeout). */
  readonly pid: number | undefined;
}

export function match(
  role: MessageRole,
  reason: AuthEventReason | 'other',
  addr?: string,
  port?: string,
  user?: string,
  invalidUser = false,
  method?: string,
  triedAuth = false,
  closedAgain = false,
  pid?: string,
): MessageMatch {
  return {
    role,
    reason,
    addr,
    port: port === undefined ? undefined : decimal(port),
    user,
    invalidUser,
    method,
    triedAuth,
    repeat: 1,
    repeated: false,
    closedAgain,
    pid: pid === undefined ? undefined : decimal(pid),
  };
}

/**
 * The value of a run of decimal digits (a port the expressions matched as `\d+`), as Number() gives it. Read by hand
 * up to 15 digits, where the sum is exact: Number() on a new string goes through the runtime, ~1.5% of the parser's
 * instructions on the bench's log.
 */
export function decimal(digits: string): number {
  if (digits.length > 15) return Number(digits);
  let value = 0;
  for (let i = 0; i < digits.length; i++) value = value * 10 + (digits.charCodeAt(i) - 0x30);
  return value;
}
