import { realpathSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';
import type { ServiceSettings } from './service-settings.js';

const OTHERS_WRITE = 0o002;
const STICKY = 0o1000;

/**
 * Why every local user could plant or swap files in `dir`, where the service keeps files it writes; undefined when
 * they cannot. A planted `run.lock` would keep the service from starting, a planted link at a path it writes would
 * have it write through the link (as root, into any file), and a swapped directory (through a parent anyone can
 * write) would hand it someone else's state. `dir` itself must not be writable by every user (a sticky bit does not
 * help there: others can still create names the service has not made yet), nor any directory above it unless it is
 * sticky (as /tmp is: others there cannot rename or remove what they do not own). `dir` not made yet is judged by
 * the directories it would be made in. Owners and groups are the administrator's choice (a checkout in their home
 * run with sudo) and are not judged; sshd's StrictModes, which this follows for the mode bits, does judge them.
 */
export function untrustedDirectory(dir: string): string | undefined {
  let at = resolve(dir);
  let own = true; // `at` is the directory itself, not one above it
  while (statsOf(at) === undefined && dirname(at) !== at) {
    at = dirname(at);
    own = false;
  }
  // Links on the way are judged where they lead: only the directories a link points into hold the files.
  try {
    at = realpathSync(at);
  } catch {
    // Removed meanwhile: judged by its name.
  }
  for (;;) {
    const stats = statsOf(at);
    const problem = stats === undefined ? undefined : judge(at, stats, own);
    if (problem !== undefined) return problem;
    own = false;
    const parent = dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}

/**
 * What every local user could tamper with among the places the service writes, one line each: its state_dir and
 * runtime_dir as untrustedDirectory judges them, and the verdict log's directory and the log itself, where a line
 * anyone could write would have fail2ban ban whatever address it names.
 */
export function unsafeServicePaths(
  settings: Pick<ServiceSettings, 'stateDir' | 'runtimeDir' | 'verdictLog'>,
): string[] {
  const problems: string[] = [];
  const places: [string, string][] = [
    ['state_dir', settings.stateDir],
    ['runtime_dir', settings.runtimeDir],
    ["verdict_log's directory", dirname(resolve(settings.verdictLog))],
  ];
  for (const [what, dir] of places) {
    const problem = untrustedDirectory(dir);
    if (problem !== undefined) problems.push(`${what} ${dir}: ${problem}`);
  }
  const log = statsOf(settings.verdictLog);
  if (log !== undefined && (log.mode & OTHERS_WRITE) !== 0) {
    problems.push(`verdict_log ${settings.verdictLog}: ${describe(settings.verdictLog, log)}`);
  }
  return problems;
}

/** Refuses to run where unsafeServicePaths finds a problem: the first, in one line that says how to fix it. */
export function requireSafeServicePaths(
  settings: Pick<ServiceSettings, 'stateDir' | 'runtimeDir' | 'verdictLog'>,
): void {
  const [problem] = unsafeServicePaths(settings);
  if (problem === undefined) return;
  throw new F2bCampaignError('UNSAFE_PATH', `${problem}: ${CONSEQUENCE}`);
}

/** What `check` and `run` add to each problem. */
export const CONSEQUENCE =
  "another local user could plant or replace the service's files there (chmod o-w, or choose another place)";

function judge(at: string, stats: Stats, own: boolean): string | undefined {
  if ((stats.mode & OTHERS_WRITE) === 0) return undefined;
  if (!own && (stats.mode & STICKY) !== 0) return undefined;
  return describe(at, stats);
}

function describe(at: string, stats: Stats): string {
  return `${at} is writable by every user (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')})`;
}

function statsOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
