/**
 * What sshd and syslog do to a message on its way to the log: the prefixes and suffixes they put around it, and the
 * 500-byte cut. Apart from the classifier, which reads what a message says; this is only what surrounds it and how
 * much of it may be missing.
 */

/**
 * sshd hands every message to syslog() as `"%.500s"` (log.c), after escaping what the client sent (a byte of a
 * username can take 4 characters): a message this long may have lost its end, and with it the address sshd wrote
 * after the client's text. What is left then ends in attacker text that can read as a whole line.
 */
const SSHD_SYSLOG_MAX = 500;

/** At least SSHD_SYSLOG_MAX bytes of UTF-8 (a UTF-16 unit is at most 3 of them: most lines skip the count). */
export function mayBeCut(raw: string): boolean {
  return raw.length * 3 >= SSHD_SYSLOG_MAX && Buffer.byteLength(raw, 'utf8') >= SSHD_SYSLOG_MAX;
}

/** Removes what sshd and syslog wrap around a message: `error: `, `fatal: `, Solaris `[ID n auth.x] `, ` [preauth]`. */
export function stripDecorations(raw: string): string {
  // `sshd -e` ends its lines in \r\n, and journald keeps the \r of a line from stdout.
  let message = mayEndInSpace(raw) ? raw.trimEnd() : raw;
  // The prefixes are looked for only behind their first letter (e, f): each startsWith is a call.
  const first = message.charCodeAt(0);
  if ((first === 0x65 || first === 0x66) && (message.startsWith('error: ') || message.startsWith('fatal: '))) {
    message = message.slice(7);
  }
  if (message.charCodeAt(0) === 0x5b /* [ */ && message.startsWith('[ID ')) {
    message = message.replace(/^\[ID \d+ [\w.]+\] /, '');
  }
  // Both suffixes end in `]`: most messages are done with here. Only the suffix can have left white space at the end.
  if (message.charCodeAt(message.length - 1) !== 0x5d /* ] */) return message;
  if (message.endsWith(' [preauth]')) message = message.slice(0, -10);
  else if (message.endsWith(' [net]')) message = message.slice(0, -6);
  else return message;
  return mayEndInSpace(message) ? message.trimEnd() : message;
}

/** False when trimEnd would find nothing to remove: the last character is printable ASCII, as it nearly always is. */
function mayEndInSpace(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return !(last > 0x20 && last < 0x7f);
}
