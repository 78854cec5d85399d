import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlannedStep } from './campaign-plan.js';
import type { Netns } from './netns.js';
import { SSHD_ADDRESS, SSHD_PORT } from './sshd.js';

const TCP_CONNECT = join(dirname(fileURLToPath(import.meta.url)), 'tcp-connect.mjs');

/** What happened to one step, as the client saw it. */
export type Outcome = 'auth-failed' | 'accepted' | 'refused' | 'timeout' | 'connected' | 'error';

export interface StepResult {
  readonly step: PlannedStep;
  /** Wall-clock ms when the client was started and when it finished. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: Outcome;
  readonly detail: string;
}

const SSH_COMMON = [
  '-p',
  String(SSHD_PORT),
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'ConnectTimeout=5',
];

/** Runs a program inside the namespace; resolves with its exit code and output whatever happens. */
function run(netns: Netns, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...args] = netns.wrap(argv);
  return new Promise((resolve) => {
    execFile(cmd!, args, { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function classify(code: number, stderr: string): Outcome {
  if (code === 0) return 'accepted';
  if (/Permission denied/.test(stderr)) return 'auth-failed';
  if (/Connection refused/.test(stderr)) return 'refused';
  if (/timed out/i.test(stderr)) return 'timeout';
  return 'error';
}

/** One password attempt per connection, as botnets do: OpenSSH's client fed by sshpass, bound to `source`. */
export async function passwordAttempt(netns: Netns, source: string, user: string, password: string) {
  const r = await run(netns, [
    'sshpass',
    '-p',
    password,
    'ssh',
    '-b',
    source,
    ...SSH_COMMON,
    '-o',
    'PubkeyAuthentication=no',
    '-o',
    'PreferredAuthentications=password',
    '-o',
    'NumberOfPasswordPrompts=1',
    `${user}@${SSHD_ADDRESS}`,
    'true',
  ]);
  return { outcome: classify(r.code, r.stderr), detail: r.stderr.trim().split('\n').pop() ?? '' };
}

/** A normal login with the user's key, running a command that proves the session works. */
export async function keyLogin(netns: Netns, source: string, user: string, key: string) {
  const r = await run(netns, [
    'ssh',
    '-b',
    source,
    ...SSH_COMMON,
    '-i',
    key,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    `${user}@${SSHD_ADDRESS}`,
    'echo logged-in-as-$(id -un)',
  ]);
  const outcome = classify(r.code, r.stderr);
  if (outcome === 'accepted' && r.stdout.trim() !== `logged-in-as-${user}`) {
    return { outcome: 'error' as const, detail: `unexpected output ${JSON.stringify(r.stdout)}` };
  }
  return { outcome, detail: (r.stdout + r.stderr).trim().split('\n').pop() ?? '' };
}

/** Plain TCP connections from each source to sshd (opened, then closed at once); no SSH is spoken. */
export async function tcpConnect(netns: Netns, sources: readonly string[], timeoutMs = 3_000) {
  const r = await run(netns, [
    process.execPath,
    TCP_CONNECT,
    SSHD_ADDRESS,
    String(SSHD_PORT),
    String(timeoutMs),
    ...sources,
  ]);
  if (r.code !== 0) throw new Error(`e2e: tcp-connect failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ source: string; outcome: Outcome; detail: string; ms: number; at: number }>;
}

/**
 * TCP connections to sshd from each source, opened and then left open, saying nothing: what a bot's connection is
 * when its ban lands before it has finished (sshd waits for it, up to LoginGraceTime). Kill the process to close them.
 */
export function holdConnections(netns: Netns, sources: readonly string[]): ChildProcess {
  const script = `
    const { connect } = require('node:net');
    for (const source of process.argv.slice(1)) {
      const socket = connect({ host: '${SSHD_ADDRESS}', port: ${SSHD_PORT}, localAddress: source });
      socket.on('data', () => {});
      socket.on('error', () => {});
    }
    setInterval(() => {}, 1000);`;
  const [cmd, ...args] = netns.wrap([process.execPath, '-e', script, ...sources]);
  return spawn(cmd!, args, { stdio: 'ignore' });
}

/** The peers of sshd's established connections in the namespace, as `ss` lists them. */
export function sshdPeers(netns: Netns): string[] {
  const rows = netns.run(['ss', '-Htn', 'state', 'established', `( sport = :${SSHD_PORT} )`]);
  return rows
    .split('\n')
    .filter((row) => row.trim() !== '')
    .map((row) => row.trim().split(/\s+/)[3]!.replace(/:\d+$/, ''));
}

/** Plays the plan in real time from `start`; each step runs concurrently at its planned moment. */
export async function playCampaign(
  netns: Netns,
  steps: readonly PlannedStep[],
  userKey: string,
  onResult?: (result: StepResult) => void,
): Promise<StepResult[]> {
  const start = Date.now();
  const results = await Promise.all(
    steps.map(async (step): Promise<StepResult> => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + step.at - Date.now())));
      const startedAt = Date.now();
      let r: { outcome: Outcome; detail: string };
      if (step.kind === 'probe') {
        const [c] = await tcpConnect(netns, [step.source]);
        r = { outcome: c!.outcome, detail: c!.detail };
      } else if (step.kind === 'legit-key') {
        r = await keyLogin(netns, step.source, step.user!, userKey);
      } else {
        r = await passwordAttempt(netns, step.source, step.user!, step.password!);
      }
      const result = { step, startedAt, endedAt: Date.now(), ...r };
      onResult?.(result);
      return result;
    }),
  );
  return results;
}
