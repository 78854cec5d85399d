/**
 * Who tried and from where, read from the end of sshd's `Failed`/`Accepted` lines. Apart from the classifier because
 * it is the one place where the client's text (a username, a key ID) can imitate sshd's own: reading the address out
 * safely takes every possible reading of the line, not one pattern.
 */

/** Two readings of one line give different addresses: attacker text stands on both sides of the address. */
export const AMBIGUOUS = Symbol('ambiguous');

export interface Origin {
  readonly user: string;
  readonly addr: string;
  readonly port: string | undefined;
}

function origin(user: string, addr: string, port: string | undefined): Origin {
  return { user, addr, port };
}

// `<user> from <addr> port <port> ssh2[: <extra>]`, as auth.c's auth_log() writes Failed/Accepted lines. After the
// port comes sshd's own end of the line: nothing (password, keyboard-interactive, none), or format_method_key()'s
// `<type> <fingerprint>`, a certificate's `<type> <fp> ID <key ID> (serial N) CA <type> <fp>`, either followed by
// `, client user "<u>", client host "<h>"` (hostbased). The username, key ID and client names are the client's, so
// attacker text can stand on both sides of the address: every ` from A port P` that such an end follows is a reading
// of the line, and the line counts only if all its readings name one address (else it is ambiguous).
const ORIGIN_AT = / from (\S+) port (\d+)/y;
// What may follow the port, to the end of the line; sticky, tried where the port ends (no slice of the line).
const END_PLAIN = /(?: ssh\d?)?$/y;
const END_KEYS = / ssh2: [A-Za-z0-9@._-]+ [A-Za-z0-9:+/=$._-]+(?:, [A-Za-z0-9@._-]+ [A-Za-z0-9:+/=$._-]+)*$/y;
const END_METHOD_KEY =
  / ssh2: \S+ \S+(?: ID .* \(serial \d+\) CA \S+ \S+)?(?:, client user ".*", client host ".*")?$/sy;
// SSH1-era lines (`port N ssh1[: ruser <the client's remote user>]`), and pre-5.x lines with no port. Tried only when
// no modern form fits, because a modern line always ends in `port N ssh2[: key]`, which attacker text cannot remove.
// The username stands before the address and the remote user after it, so here too every ` from A port P ssh1: `
// is a reading and all must agree. A line that fits both old forms is read as SSH1, as fail2ban's own tests read it
// (`ssh1: ruser from 1.2.3.4` is an injection, not the address).
const SSH1_AT = / from (\S+) port (\d+) ssh1: ruser /y;
const TAIL_NO_PORT = /^(.*) from (\S+)$/s;

/**
 * The user and address at the end of a `Failed`/`Accepted` message, read from `start` (what follows `for `): null if
 * none fits.
 */
export function userAndOrigin(message: string, start: number): Origin | typeof AMBIGUOUS | null {
  let found: Origin | undefined;
  for (let at = message.indexOf(' from ', start); at !== -1; at = message.indexOf(' from ', at + 1)) {
    ORIGIN_AT.lastIndex = at;
    const m = ORIGIN_AT.exec(message);
    if (m === null) continue;
    const end = ORIGIN_AT.lastIndex;
    if (
      !endsWith(END_PLAIN, message, end) &&
      !endsWith(END_KEYS, message, end) &&
      !endsWith(END_METHOD_KEY, message, end)
    ) {
      continue;
    }
    const read = withReading(found, message.slice(start, at), m[1]!, m[2]);
    if (read === AMBIGUOUS) return AMBIGUOUS;
    found = read;
  }
  if (found !== undefined) return found;
  for (let at = message.indexOf(' from ', start); at !== -1; at = message.indexOf(' from ', at + 1)) {
    SSH1_AT.lastIndex = at;
    const m = SSH1_AT.exec(message);
    if (m === null) continue;
    const read = withReading(found, message.slice(start, at), m[1]!, m[2]);
    if (read === AMBIGUOUS) return AMBIGUOUS;
    found = read;
  }
  if (found !== undefined) return found;
  const m = TAIL_NO_PORT.exec(message.slice(start));
  return m ? origin(m[1]!, m[2]!, undefined) : null;
}

/**
 * The origin a line's readings so far agree on, with one more reading (`user`, taken from the first only). Different
 * addresses: the line is ambiguous. The same address with different ports: the address is sshd's whichever reading
 * is, so the attempt still counts to it (else a client could hide its own failures by planting its own address), but
 * the port is left out, as no reading of it can be trusted.
 */
function withReading(
  found: Origin | undefined,
  user: string,
  addr: string,
  port: string | undefined,
): Origin | typeof AMBIGUOUS {
  if (found === undefined) return origin(user, addr, port);
  if (found.addr !== addr) return AMBIGUOUS;
  return found.port === port ? found : origin(found.user, found.addr, undefined);
}

/** `text` from `at` to its end is what the sticky `pattern` matches. */
function endsWith(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at;
  return pattern.test(text);
}
