import { describeCampaignE2E } from './harness/campaign-suite.js';

// The journal path, as on a Debian 12 machine without rsyslog: sshd -> syslog(3) -> systemd-journald (a private
// one: systemd is not PID 1 here, journald needs it not) -> the real journalctl -f -o json -> f2b-campaign's journal
// source -> verdict log -> fail2ban (its sshd jail reading the journal too, backend = systemd) -> nftables.
describeCampaignE2E(
  'e2e (journal): the same campaign read through journalctl -f -o json, banned through f2b-campaign',
  'f2b-e2e-j',
  { source: 'journal' },
  'class-e',
);
