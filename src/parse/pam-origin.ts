/**
 * The remote host of a PAM module's `authentication failure` record, read like sshd-origin.ts reads a `Failed` line:
 * every reading of the line, not one pattern. Apart from the classifier because here too the client's text can
 * stand on both sides of the address.
 *
 * pam_unix writes `...; logname=<login name> uid=N euid=N tty=T ruser=R rhost=H[ user=<PAM user>]`; the modules
 * built on rra-c-util (pam_krb5, pam_afs_session, Debian's libpam-krb5) write the same fields with the PAM user,
 * the name the client sent, as `logname=` and no `user=` (putil_log_failure). A name with spaces can then write
 * ` uid=0 euid=0 tty=ssh ruser= rhost=<anyone> user=` before the module's own `rhost=`: read from the left, that
 * was the address (found in review; pam_sss and pam_unix put the name after `rhost=`, where it was already safe).
 */
import { AMBIGUOUS } from './sshd-origin.js';

export interface PamOrigin {
  readonly rhost: string;
  readonly user: string | undefined;
}

// The fields between the login name and the host; `tty=` and `ruser=` have no spaces in any reading taken.
const FIELDS = / uid=\d+ euid=\d+ tty=\S* ruser=\S*/y;
const RHOST = ' rhost=';
const UID = ' uid=';
// The host, then the end of the line or white space and `user=` (the rest is the user).
const HOST = /(\S+)(?:\s+user=|$)/y;

/**
 * The host and user of the text that follows `logname=` (at `start`): null when no reading fits, AMBIGUOUS when two
 * readings name different hosts. A reading is a ` rhost=H` that the fields above come right before, and that ends
 * the line or is followed by white space and `user=`.
 */
export function pamOrigin(message: string, start: number): PamOrigin | typeof AMBIGUOUS | null {
  let found: PamOrigin | undefined;
  for (let at = message.indexOf(RHOST, start); at !== -1; at = message.indexOf(RHOST, at + 1)) {
    // ` uid=` cannot stand inside `tty=\S*` or `ruser=\S*`: the last one before the host is where the fields begin.
    const uid = message.lastIndexOf(UID, at - 1);
    if (uid < start) continue;
    FIELDS.lastIndex = uid;
    if (!FIELDS.test(message) || FIELDS.lastIndex !== at) continue;
    HOST.lastIndex = at + RHOST.length;
    const m = HOST.exec(message);
    if (m === null) continue;
    const user = HOST.lastIndex < message.length ? message.slice(HOST.lastIndex) : undefined;
    const rhost = m[1]!;
    if (found === undefined) found = { rhost, user: user || undefined };
    else if (found.rhost !== rhost) return AMBIGUOUS;
  }
  return found ?? null;
}
