import type { AuthEventKind } from '../core/auth-event.js';
import { dottedQuadNumber } from './address.js';
import { ConnectionKeys } from './connection-keys.js';
import { ConnectionSlots } from './connection-slots.js';
import type { MessageMatch } from './message-match.js';

/**
 * sshd's `PAM: Authentication failure for ...`, which only a keyboard-interactive try makes: only that method's
 * `Failed` line is the same try. An existing user's wrong keyboard-interactive answer logs no `Failed` line (under half
 * of MaxAuthTries), and the `Failed password` of a password try after it is a try of its own.
 */
const PAM_QUERY_BIT = 4;
const ANNOUNCE_BIT: Partial<Record<string, number>> = {
  'invalid-user': 1,
  'not-allowed': 2,
  'pam-query-failure': PAM_QUERY_BIT,
  'root-refused': 8,
};

/** How many connections we remember; old ones are forgotten first. A connection lives seconds to minutes. */
const MAX_CONNECTIONS = 50_000;
/**
 * How many ended connections we remember, for the lines sshd and PAM write after the one that ended it: a second
 * close (`Received disconnect` then `Disconnected from ...`), PAM's `PAM N more authentication failures`. The same
 * process writes them at once, so only lines of other connections ending in that instant come between. Kept small
 * on purpose: the ended ones share the open connections' map, looked up for every line (4,096 made the parser 17%
 * slower on the replay benchmark, 256 costs it 7%).
 */
const MAX_ENDED = 256;

/** What a line counts for: an event of this kind standing for `count` attempts (or connections). */
export interface Counted {
  readonly kind: AuthEventKind;
  readonly count: number;
}

// Nearly every line counts for 0 or 1: those outcomes are shared (they are read at once, never kept or changed).
const NO_FAILURE: Counted = { kind: 'failure', count: 0 };
const ONE_FAILURE: Counted = { kind: 'failure', count: 1 };
const ONE_PROBE: Counted = { kind: 'probe', count: 1 };
const ONE_SUCCESS: Counted = { kind: 'success', count: 1 };
const DISCONNECT: Counted = { kind: 'disconnect', count: 0 };
/**
 * The pre-auth close of a connection where fail2ban's sshd filter read two names: `nosuchuser` from `Invalid user
 * nosuchuser` and `illegal user nosuchuser` from sshd's `PAM: Authentication failure for illegal user nosuchuser`
 * (its expression takes the whole rest). With two names in one connection (its mlfid) that filter counts the line
 * that ends it, which it otherwise marks NOFAIL (fail2ban 1.0.2, Filter._mergeFailure; checked with fail2ban-regex
 * on test/parse/fixtures/openssh-9.2-pam-tries.log): a failure line of no attempt, as the `Failed` line after an
 * `Invalid user` is (fail2ban-count.ts). Only the first such line: fail2ban forgets the connection there.
 */
const FAIL2BAN_CLOSE = NO_FAILURE;
/** `pending` of a connection ended by a line whose second close line counts it (MessageMatch.closedAgain). */
const COUNT_AT_NEXT_CLOSE = 32;

function failures(count: number): Counted {
  return count === 0 ? NO_FAILURE : count === 1 ? ONE_FAILURE : { kind: 'failure', count };
}

/**
 * [key, attempts, pending bits, success, address, two names]: compact, and plain JSON. The address is missing in old
 * ones; the two-names mark (FAIL2BAN_CLOSE) is written only when set, and was not written before 2026-11-24: a
 * restart between a connection's `PAM:` line and its close lost the one failure fail2ban counts there.
 */
export type ConnectionSnapshot = ReadonlyArray<
  readonly [string, number, number, boolean, (string | null)?, (boolean | undefined)?]
>;

/**
 * Turns message roles into event kinds and attempt counts, so each authentication attempt is counted once even
 * though sshd and PAM write two or three lines for it. Lines of one connection share sshd's pid (the monitor
 * process logs for its unprivileged child); without a pid (`sshd -E`), the remote address and port stand in (the
 * address alone where the line has no port). A pid is
 * reused by later connections, and some end with no line we see (`Too many authentication failures`): a line
 * naming another IP address than the pid's connection did starts a new connection.
 *
 * A connection's state is numbers in typed arrays by slot (connection-slots.ts), found by its key
 * (connection-keys.ts). As an object, with its key and addresses as strings, each connection lived long enough to
 * be moved to the old generation and die there: ~45 MB per million lines of bench/replay.mjs's log, which kept
 * replay's parser thread collecting its old generation, and its heap at ~14 MB rather than ~9.
 */
export class ConnectionTracker {
  private readonly keys = new ConnectionKeys();
  private readonly slots: ConnectionSlots;
  private readonly max: number;

  constructor(
    snapshot: ConnectionSnapshot = [],
    /** Connections kept open and ended at most (smaller in tests, to reach both limits). */
    limits: { readonly open: number; readonly ended: number } = { open: MAX_CONNECTIONS, ended: MAX_ENDED },
  ) {
    this.max = limits.open + limits.ended;
    this.slots = new ConnectionSlots(this.max, limits.ended);
    for (const entry of snapshot) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const [text, attempts, pending, success, addr, twoNames] = entry;
      const key = this.keys.parse(text);
      let slot = this.keys.find(key);
      if (slot < 0) {
        slot = this.slots.take();
        this.keys.set(key, slot);
      }
      this.slots.restore(slot, Number(attempts) || 0, Number(pending) || 0, success === true);
      if (typeof addr === 'string') this.slots.setAddr(slot, addr, dottedQuadNumber(addr));
      if (twoNames === true) this.slots.twoNames[slot] = 1;
    }
  }

  /** The connections still open, so a restart keeps pairing their lines (an attempt is not counted twice). */
  snapshot(): ConnectionSnapshot {
    const out: Array<ConnectionSnapshot[number]> = [];
    const c = this.slots;
    for (const slot of c.inOrder()) {
      if (c.endedSlot[slot]! >= 0) continue;
      const entry = [
        this.keys.text(slot),
        c.attempts[slot]!,
        c.pending[slot]!,
        c.success[slot] === 1,
        c.addrText(slot),
      ] as const;
      out.push(c.twoNames[slot] === 1 ? [...entry, true] : entry);
    }
    return out;
  }

  /**
   * `host` and `pid` are the line's header fields; `ip` is the line's normalised address; `isIp` says it is an IP
   * address rather than a host name (PAM's `rhost=` with UseDNS), which does not tell connections apart; `quad` is
   * an IPv4 `ip` as a number (-1 for other addresses), which the parser has read already.
   */
  account(
    host: string | undefined,
    pid: number | undefined,
    match: MessageMatch,
    ip: string,
    isIp: boolean,
    quad: number = dottedQuadNumber(ip),
  ): Counted | null {
    if (match.role === 'none') return null;
    // Not a line of the connection's own process (keyboard-interactive runs PAM in another): it opens nothing.
    if (match.role === 'echo') return NO_FAILURE;
    const repeat = match.repeat;
    const ending = match.role === 'close' || match.role === 'session';
    const c = this.slots;
    // Without a pid (`sshd -E`), the address and port tell connections apart (a bot's parallel ones from one address).
    const key = this.keys.of(host, pid ?? (match.port === undefined ? ip : `${ip} ${match.port}`));
    let slot = this.keys.find(key);
    if (slot >= 0 && c.endedSlot[slot]! >= 0) {
      // The lines that follow the end of the same connection; anything else is a new connection on a reused pid.
      const sameIp = c.endedIs(slot, ip, quad);
      if (ending && sameIp && c.endedPort[slot] === (match.port ?? -1)) {
        if (c.pending[slot] !== COUNT_AT_NEXT_CLOSE) return DISCONNECT;
        c.pending[slot] = 0;
        // `Disconnected from user U`: a session that logged in ended. Its own process (the user's, another pid than
        // the `Accepted` line's) writes `Received disconnect` and this line: they are no probe of a new connection.
        return match.role === 'session' ? DISCONNECT : this.closed(slot, match);
      }
      if (match.role === 'summary' && (sameIp || !isIp)) return NO_FAILURE;
      c.reset(slot);
    } else if (slot >= 0 && isIp && c.hasAddr(slot) && !c.addrIs(slot, ip, quad)) {
      c.reset(slot);
    }
    if (slot < 0) slot = this.open(key);
    if (isIp && !c.hasAddr(slot)) c.setAddr(slot, ip, quad);
    if (ending || match.role === 'probe') {
      const gone = c.end(slot, ip, quad, match.port ?? -1);
      if (gone >= 0) this.remove(gone);
    }
    switch (match.role) {
      case 'announce': {
        // fail2ban resolves a host name, so its `PAM:` line names the connection's second name all the same.
        if (match.reason === 'pam-query-failure' && match.invalidUser) c.twoNames[slot] = 1;
        // A host name (PAM's rhost= or `not allowed` with UseDNS) is never banned, and sshd's `Failed` line for the
        // same try names the address: that line counts the try, or the address would never be charged with it.
        if (!isIp) return NO_FAILURE;
        const bit = ANNOUNCE_BIT[match.reason] ?? 16;
        const pending = c.pending[slot]!;
        if (pending !== 0 && (pending & bit) === 0) {
          c.pending[slot] = pending | bit;
          return failures(repeat - 1);
        }
        c.pending[slot] = bit;
        c.attempts[slot]! += repeat;
        return failures(repeat);
      }
      case 'attempt': {
        const announced =
          match.reason === 'failed-keyboard-interactive' ? c.pending[slot]! : c.pending[slot]! & ~PAM_QUERY_BIT;
        const count = announced !== 0 ? repeat - 1 : repeat;
        c.pending[slot] = 0;
        c.attempts[slot]! += count;
        return failures(count);
      }
      case 'summary': {
        if (c.attempts[slot]! > 0) return NO_FAILURE;
        c.attempts[slot] = 1;
        return ONE_FAILURE;
      }
      case 'close': {
        const counted = this.closed(slot, match);
        // (A login timeout is no line that filter reads.) A jsch client's `Auth fail` is a failure to it wherever.
        if (counted === DISCONNECT && c.twoNames[slot] === 1 && match.reason !== 'login-timeout') return FAIL2BAN_CLOSE;
        if (counted === DISCONNECT && match.reason === 'auth-fail-disconnect') return FAIL2BAN_CLOSE;
        if (!match.closedAgain || counted === DISCONNECT) return counted;
        // Nothing counted for the connection yet: its next close line says what it was.
        c.pending[slot] = COUNT_AT_NEXT_CLOSE;
        return DISCONNECT;
      }
      case 'probe':
        return repeat === 1 ? ONE_PROBE : { kind: 'probe', count: repeat };
      case 'success':
        c.success[slot] = 1;
        c.pending[slot] = 0;
        return ONE_SUCCESS;
      case 'session':
        return DISCONNECT;
    }
  }

  /** What the line that closes a connection counts for. */
  private closed(slot: number, match: MessageMatch): Counted {
    if (this.slots.success[slot] === 1 || this.slots.attempts[slot]! > 0) return DISCONNECT;
    // `closed by authenticating user X`: a try happened that INFO level does not log (publickey offers).
    return match.triedAuth ? ONE_FAILURE : ONE_PROBE;
  }

  /** A new connection under `key`; the one opened longest ago goes first when the table is full. */
  private open(key: number | string): number {
    if (this.slots.size >= this.max) {
      const oldest = this.slots.oldest();
      if (oldest >= 0) this.remove(oldest);
    }
    const slot = this.slots.take();
    this.keys.set(key, slot);
    return slot;
  }

  private remove(slot: number): void {
    this.keys.delete(slot);
    this.slots.release(slot);
  }
}
