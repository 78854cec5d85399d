import { describeCampaignE2E } from './harness/campaign-suite.js';

// sshd -> syslog(3) -> rsyslogd -> auth.log -> f2b-campaign run -> verdict log -> fail2ban -> nftables.
describeCampaignE2E(
  'e2e (auth.log): a campaign staying under the sshd jail, against a real sshd, banned through f2b-campaign',
  'f2b-e2e-a',
  { source: 'file' },
  'class-e',
);
