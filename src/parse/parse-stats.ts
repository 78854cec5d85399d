import type { AuthEventKind } from '../core/auth-event.js';

/** Why a line produced no event. Every line read lands in exactly one bucket of ParseStats. */
export type SkipReason =
  /** Not written by sshd (other programs share auth.log). */
  | 'not-sshd'
  /** sshd wrote it, but it is not a message we know. */
  | 'unrecognised'
  /** A known message that names no address or records no attempt (session lines, kex_exchange_identification). */
  | 'no-event'
  /** The address token is neither an IP address nor a hostname. */
  | 'bad-address'
  /** Attacker text stands on both sides of the address and the message grammar cannot tell which is sshd's. */
  | 'ambiguous'
  /**
   * Longer than MAX_LINE_LENGTH, or a message sshd may have cut (SSHD_SYSLOG_MAX) whose address would come after the
   * client's text: the end of a cut line is attacker text.
   */
  | 'too-long';

export class ParseStats {
  lines = 0;
  events = 0;
  /** Authentication attempts, after merging the lines of one try. */
  attempts = 0;
  /** Events by kind. */
  readonly kinds: Record<AuthEventKind, number> = { failure: 0, probe: 0, success: 0, disconnect: 0, session: 0 };
  readonly skipped: Record<SkipReason, number> = {
    'not-sshd': 0,
    unrecognised: 0,
    'no-event': 0,
    'bad-address': 0,
    ambiguous: 0,
    'too-long': 0,
  };

  /**
   * One event of `kind` standing for `count` attempts. A switch, not `kinds[kind]++`: a property named by a variable
   * that takes five values goes through V8's generic lookup, ~2% of the parser's instructions on every event.
   */
  countEvent(kind: AuthEventKind, count: number): void {
    this.events++;
    switch (kind) {
      case 'failure':
        this.kinds.failure++;
        this.attempts += count;
        break;
      case 'probe':
        this.kinds.probe++;
        break;
      case 'success':
        this.kinds.success++;
        break;
      case 'disconnect':
        this.kinds.disconnect++;
        break;
      case 'session':
        this.kinds.session++;
        break;
    }
  }

  /** The kinds that occurred, with their counts. */
  kindsSeen(): Array<[AuthEventKind, number]> {
    return (Object.entries(this.kinds) as Array<[AuthEventKind, number]>).filter(([, n]) => n > 0);
  }

  toJSON(): object {
    return {
      lines: this.lines,
      events: this.events,
      attempts: this.attempts,
      kinds: Object.fromEntries(this.kindsSeen()),
      skipped: this.skipped,
    };
  }
}
