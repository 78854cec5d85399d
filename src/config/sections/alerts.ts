import type { SectionSpec } from '../key-spec.js';

/**
 * Compromise and lateral-movement alerts (docs/audit.md). Alerts, not bans, by default: after a break-in the
 * addresses involved are often our own network, and a wrong ban there locks people out.
 */
export const alertsSection: SectionSpec = {
  name: 'alerts',
  doc: 'Compromise alerts (a campaign login that succeeded) and lateral-movement alerts (unusual outbound connections after it).',
  keys: [
    {
      key: 'compromise_action',
      type: 'enum',
      choices: ['alert', 'ban'],
      default: 'alert',
      doc: 'alert: write an ALERT kind=compromise line only. ban: also write a BAN (reason compromise+member or compromise+fingerprint) when the login came from a campaign member or a source matching its fingerprint; a login that only used a sprayed username is never banned (a real user may share that name). ignoreip and loopback are never banned.',
    },
    {
      key: 'lateral_window',
      type: 'duration',
      default: 6 * 3_600_000,
      min: 60_000,
      doc: 'How long after a suspicious (compromise) login new outbound connections are judged for lateral movement.',
    },
    {
      key: 'lateral_ports',
      type: 'ports',
      default: ['22', '445', '3389', '5985', '5986'],
      doc: 'Remote ports whose use from this host after a suspicious login is an alert unless the baseline already has that destination and port (SSH 22 only to other hosts).',
    },
    {
      key: 'long_session_ports',
      type: 'ports',
      default: ['5432', '3306', '1433', '1521', '27017', '6379'],
      doc: "Remote ports (databases by default) where a session far longer than this host's baseline is an alert.",
    },
    {
      key: 'long_session_factor',
      type: 'number',
      default: 10,
      min: 1,
      doc: "A session is 'far longer' when it outlives this many times the port's baseline 95th percentile lifetime...",
    },
    {
      key: 'long_session_min',
      type: 'duration',
      default: 60_000,
      min: 0,
      doc: '...and at least this long (short baselines of a second or two would otherwise alert on trivia). 0: long_session_factor alone decides.',
    },
    {
      key: 'new_destinations',
      type: 'bool',
      default: true,
      doc: 'Alert on outbound connections to addresses the baseline has never seen (loopback and this host excluded).',
    },
    {
      key: 'baseline_min_sockets',
      type: 'int',
      default: 20,
      min: 0,
      doc: 'Outbound connections the baseline must have learned before new-destination and long-session alerts are trusted. 0: trusted from the first, so every destination is new until the baseline holds it.',
    },
    {
      key: 'baseline_max_destinations',
      type: 'int',
      default: 4096,
      min: 16,
      doc: 'Outbound destinations (address, port) the baseline keeps; the least recently used are forgotten first.',
    },
    {
      key: 'inbound_ports',
      type: 'ports',
      default: ['22'],
      doc: "Local ports that serve inbound connections (keep sshd's ports here; left out, it follows [service] ssh_ports): a connection on one of them is inbound when its row is root's (any user may bind an unprivileged port on an address the service does not listen on). Otherwise a connection is inbound when a listener of its owner's covers its address and port in the current or the previous /proc/net/tcp sample (a listener not root's only when it was there before the oldest running watch began), or, to a lateral or long-session port, only a listener of root's and a row of root's (any user may listen on the port they connect out from); every other connection is outbound.",
    },
  ],
};
