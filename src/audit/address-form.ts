import { normaliseAddress } from '../parse/address.js';

/**
 * An address in the one form verdict lines and fail2ban's log both use: IPv4 dotted quad, IPv6 lower case and
 * compressed, IPv4-mapped IPv6 as IPv4 (fail2ban bans `::ffff:192.0.2.1` as `192.0.2.1`). Anything else (a host
 * name, a typo) is returned as given.
 */
export function canonicalAddress(text: string): string {
  const trimmed = text.trim();
  const address = normaliseAddress(trimmed);
  return address?.bannable ? address.ip : trimmed;
}
