import type { SectionSpec } from '../key-spec.js';

/** Where the service reads from and writes to. When not root, unset writable paths default under ./var (service-settings). */
export const serviceSection: SectionSpec = {
  name: 'service',
  doc: 'Inputs, outputs and state of the running service.',
  keys: [
    {
      key: 'source',
      type: 'enum',
      choices: ['auto', 'file', 'journal'],
      default: 'auto',
      doc: "Where sshd's lines come from: file (auth_log), journal (journalctl), or auto (file when an auth_log exists, else the journal).",
    },
    {
      key: 'auth_log',
      type: 'list',
      default: ['/var/log/auth.log'],
      doc: 'sshd log files to follow, separated by spaces or commas. Rotation (rename-and-create, copytruncate) is followed.',
    },
    {
      key: 'start_at',
      type: 'enum',
      choices: ['end', 'start'],
      default: 'end',
      doc: 'Where to begin in a log or journal the very first time (no saved position): end reads only new lines, start reads what is already there (in the journal, every boot it keeps: docs/service.md). After that the saved position is always used.',
    },
    {
      key: 'journalctl',
      type: 'path',
      default: 'journalctl',
      doc: 'The journalctl program used when source is journal (or auto with no auth_log).',
    },
    {
      key: 'verdict_log',
      type: 'path',
      default: '/var/log/f2b-campaign/verdicts.log',
      doc: "Where verdict lines are appended. The bundled fail2ban jail's logpath must name this file.",
    },
    {
      key: 'state_dir',
      type: 'path',
      default: '/var/lib/f2b-campaign',
      doc: 'Read positions, journal cursor and campaign state, written atomically so a restart resumes.',
    },
    {
      key: 'runtime_dir',
      type: 'path',
      default: '/run/f2b-campaign',
      doc: 'Where the status file read by `f2b-campaign status` is kept.',
    },
    {
      key: 'sockets_from',
      type: 'path',
      default: '/proc/net',
      doc: 'Directory holding the tcp and tcp6 tables to sample (tests point it elsewhere).',
    },
    {
      key: 'ssh_ports',
      type: 'ports',
      default: ['22'],
      doc: "sshd's listening ports: sockets to these local ports are tracked as inbound SSH connections.",
    },
    {
      key: 'sample_interval',
      type: 'duration',
      default: 30_000,
      min: 100,
      doc: 'How often /proc/net/tcp and tcp6 are sampled.',
    },
    {
      key: 'sample_interval_campaign',
      type: 'duration',
      default: 5_000,
      min: 100,
      doc: 'Sampling interval while a campaign is open (finer socket lifetimes when they matter).',
    },
    {
      key: 'state_interval',
      type: 'duration',
      default: 10_000,
      min: 100,
      doc: 'How often state is written to state_dir (also written on clean shutdown).',
    },
    {
      key: 'state_write_rate',
      type: 'int',
      default: 65_536,
      min: 1024,
      doc:
        'Bytes per second, on average, that periodic state saves may write: after a save of N bytes the next one waits ' +
        'N / state_write_rate seconds if that is longer than state_interval. A large state is saved less often (after ' +
        'a flood of 100,000 addresses, ~28 MB: every ~7 minutes rather than every 10 s, which wrote ~190 GB a day); a ' +
        'crash then re-reads more of the log, and loses the socket samples taken since the last save.',
    },
    {
      key: 'fail2ban_jail',
      type: 'string',
      default: 'sshd',
      doc: 'The fail2ban jail whose maxretry, findtime, bantime and ignoreip campaign members stay under; read at start and on SIGHUP.',
    },
    {
      key: 'fail2ban_config',
      type: 'path',
      default: '/etc/fail2ban',
      doc: "fail2ban's configuration directory (read through fail2ban-client -d when installed, else its jail files).",
    },
    {
      key: 'campaign_jail',
      type: 'string',
      default: 'f2b-campaign',
      doc: 'The bundled fail2ban jail that watches verdict_log; `f2b-campaign check` verifies it is there and watches that file.',
    },
    {
      key: 'log_level',
      type: 'enum',
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'],
      default: 'info',
      doc: "Level of the service's own JSON log on stdout.",
    },
  ],
};
