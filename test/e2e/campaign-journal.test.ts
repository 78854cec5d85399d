import { describeCampaignE2E } from './harness/campaign-suite.js';

// The journal path: sshd -> syslog(3) -> rsyslogd -> journal-form JSON lines -> test/bin/journalctl (fake: systemd
// is not PID 1 here) -> f2b-campaign's journal source -> verdict log -> fail2ban -> nftables.
describeCampaignE2E(
  'e2e (journal): the same campaign read through journalctl -f -o json, banned through f2b-campaign',
  'f2b-e2e-j',
  { source: 'journal' },
  'class-e',
);
