import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from './environment.js';
import { readingJournal } from './journald.js';
import type { Started } from './processes.js';
import { readOrEmpty, SSHD_PORT } from './sshd.js';
import { waitFor } from './wait.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(REPO, 'bin', 'f2b-campaign.js');

/**
 * The test runs the built bundle, as the package does: a bundle older than src/ would test yesterday's code.
 * F2B_E2E_STALE_BUNDLE_OK=1 skips the age check (while others edit src/ under a run), never the existence check.
 */
export function assertFreshBundle(): void {
  const bundle = join(REPO, 'dist', 'f2b-campaign.mjs');
  if (!existsSync(bundle)) throw new Error('e2e: dist/f2b-campaign.mjs is missing; run `npm run build` first');
  if (process.env['F2B_E2E_STALE_BUNDLE_OK'] === '1') return;
  const built = statSync(bundle).mtimeMs;
  const newer = readdirSync(join(REPO, 'src'), { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.ts') && statSync(join(REPO, 'src', file)).mtimeMs > built,
  );
  if (newer.length > 0) {
    throw new Error(
      `e2e: dist/f2b-campaign.mjs is older than src/${newer[0]} (and ${newer.length - 1} more); run \`npm run build\``,
    );
  }
}

export interface ServiceOptions {
  /**
   * `file`: follow the auth.log rsyslogd writes; `journal`: read `journalctl -f -o json`, the real one, on the
   * journal the test's journald keeps (the environment must log through journald).
   */
  readonly source: 'file' | 'journal';
  /** `[detection]` keys; none by default (the campaign suites set shared_name_hold = 0s: campaign-suite.ts). */
  readonly detection?: Readonly<Record<string, string>>;
}

/**
 * `f2b-campaign run`, the built bundle, inside the namespace: it follows sshd's log (or the journal), samples the
 * namespace's own /proc/net/tcp, reads the test fail2ban's thresholds and ignoreip, and appends verdicts to the
 * log the f2b-campaign jail watches, with the shipped detection settings unless `detection` says otherwise.
 */
export async function startService(env: Environment, options: ServiceOptions): Promise<Started> {
  const log = env.sshdLog;
  if ((options.source === 'file') !== (log.kind === 'rsyslog'))
    throw new Error(`e2e: a service reading the ${options.source} needs sshd logging to it, not to ${log.kind}`);
  // f2b-campaign never bans loopback (src/correlate/never-ban.ts, by design and with no switch): a campaign from
  // 127.x addresses would prove nothing. The loopback block serves the harness's own tests of fail2ban.
  if (env.block === 'loopback')
    throw new Error('e2e: the service is run on the TEST-NET or class E block, not loopback');
  const stateDir = join(env.dir, 'state');
  const runtimeDir = join(env.dir, 'run');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(runtimeDir, { recursive: true });
  const config = join(env.dir, 'f2b-campaign.conf');
  writeFileSync(
    config,
    [
      '[service]',
      `source = ${options.source}`,
      ...(log.kind === 'rsyslog' ? [`auth_log = ${log.authLog}`] : []),
      `fail2ban_config = ${join(env.dir, 'fail2ban')}`,
      `verdict_log = ${env.verdictLog}`,
      `state_dir = ${stateDir}`,
      `runtime_dir = ${runtimeDir}`,
      `ssh_ports = ${SSHD_PORT}`,
      // A compressed campaign: sample often enough to see each short connection.
      'sample_interval = 1s',
      'sample_interval_campaign = 250ms',
      'state_interval = 2s',
      'log_level = debug',
      '',
      '[detection]',
      ...Object.entries(options.detection ?? {}).map(([key, value]) => `${key} = ${value}`),
      '',
    ].join('\n'),
  );
  const started = env.processes.start(
    'f2b-campaign',
    env.netns.wrap(
      // Reading the journal, it runs where the test's journal is the system's, as its journalctl does.
      readingJournal(log, [
        process.execPath,
        BIN,
        'run',
        '--config',
        config,
        ...(log.kind === 'rsyslog' ? ['--auth-log', log.authLog] : []),
        '--verdicts',
        env.verdictLog,
        '--state-dir',
        stateDir,
        '--fail2ban-dir',
        join(env.dir, 'fail2ban'),
      ]),
    ),
    join(env.dir, 'f2b-campaign.out'),
  );
  // Started once it says so (service-started comes after its sources have opened sshd's log at its end): the
  // campaign's first lines must not come before. A fixed 2 s wait was short for node and fail2ban-client under load.
  // An exit on the way fails at once, naming the output.
  await waitFor('f2b-campaign to start', () => readServiceLog(env).some((l) => l['event'] === 'service-started'), {
    timeoutMs: 60_000,
    intervalMs: 250,
    process: started,
  });
  return started;
}

/** The service's JSON log lines (pino, one object per line); lines that are not JSON are skipped. */
export function readServiceLog(env: Environment): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of readOrEmpty(join(env.dir, 'f2b-campaign.out')).split('\n')) {
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // stderr noise or a partial last line
    }
  }
  return out;
}

/**
 * The argv of each journalctl the service runs now (its children, read from /proc): what the real journalctl
 * was asked, where the fake one wrote it down.
 */
export function runningJournalctls(service: Started): string[][] {
  const out: string[][] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== service.child.pid) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (argv[0]?.endsWith('journalctl')) out.push(argv);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
