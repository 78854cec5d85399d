import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';
import type { SourceHealth } from '../sources/source.js';
import { writeFileAtomic } from './atomic-file.js';
import type { Fail2banServerSeen } from './fail2ban-server-watch.js';

export const STATUS_FILE = 'status.json';

/** What `f2b-campaign status` shows, written atomically by the running service every few seconds. */
export interface ServiceStatus {
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly state: 'running' | 'stopping' | 'stopped';
  readonly config: string | null;
  readonly verdictLog: string;
  readonly verdicts: { readonly written: number; readonly owed: number; readonly suppressedRepeats: number };
  readonly sources: readonly SourceHealth[];
  readonly sockets: {
    readonly open: number;
    readonly closed: number;
    readonly lastSampleAt: string | null;
    readonly topSources: readonly { readonly ip: string; readonly open: number }[];
  };
  readonly lines: { readonly read: number; readonly events: number };
  readonly thresholds: { readonly maxretry: number; readonly findtime: number; readonly origin: string };
  /**
   * The never-ban lists in force, by origin, so that an operator who added an address and reloaded sees it protected:
   * fail2ban's ignoreip as read (each host name followed by what it resolved to) and `[detection] ignoreip`. Loopback
   * is never banned whatever they hold. Absent from a status file of an earlier version.
   */
  readonly ignoreip?: { readonly fail2ban: readonly string[]; readonly f2bCampaign: readonly string[] };
  /**
   * fail2ban-server as its pid file said at the last look (every second): a server that is not running bans nothing
   * the verdict log says. Absent when no fail2ban.conf names one, and from a status file of an earlier version.
   */
  readonly fail2banServer?: Fail2banServerSeen;
  /** The correlation core's own status: open campaigns, members, counters. */
  readonly core: unknown;
}

export function writeStatus(dir: string, status: ServiceStatus): void {
  writeFileAtomic(join(dir, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`, 0o644, false);
}

/** Reads the status file; one that is not JSON, or not of this shape (another version's, edited), is an error. */
export function readStatus(dir: string): ServiceStatus {
  const status: unknown = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8'));
  const wrong = misshapen(status);
  if (wrong) throw new F2bCampaignError('STATUS_SHAPE', `not a status file of this version (${wrong})`);
  return status as ServiceStatus;
}

/** The fields `status` shows, each of the type it needs; what is wrong first, or null. */
const SHAPE: Record<string, 'number' | 'string' | 'array' | 'object'> = {
  pid: 'number',
  startedAt: 'string',
  updatedAt: 'string',
  state: 'string',
  verdictLog: 'string',
  verdicts: 'object',
  'verdicts.written': 'number',
  'verdicts.owed': 'number',
  sources: 'array',
  sockets: 'object',
  'sockets.open': 'number',
  'sockets.closed': 'number',
  'sockets.topSources': 'array',
  lines: 'object',
  'lines.read': 'number',
  'lines.events': 'number',
  thresholds: 'object',
  'thresholds.maxretry': 'number',
  'thresholds.findtime': 'number',
  ignoreip: 'object',
  'ignoreip.fail2ban': 'array',
  'ignoreip.f2bCampaign': 'array',
  fail2banServer: 'object',
  'fail2banServer.pidfile': 'string',
};

/** Fields a status file of an earlier version lacks: checked (with what is under them) only when there. */
const OPTIONAL = new Set(['ignoreip', 'fail2banServer']);

function misshapen(status: unknown): string | null {
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return 'not an object';
  for (const [path, type] of Object.entries(SHAPE)) {
    const top = path.split('.')[0]!;
    if (OPTIONAL.has(top) && (status as Record<string, unknown>)[top] === undefined) continue;
    const value = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], status);
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== type) return `${path} is ${value === undefined ? 'missing' : actual}, not ${type}`;
  }
  const { state, sources, ignoreip, fail2banServer: server } = status as ServiceStatus;
  if (!['running', 'stopping', 'stopped'].includes(state)) return `state ${JSON.stringify(state)} is unknown`;
  if (sources.some((s) => typeof s !== 'object' || s === null)) return 'a source is not an object';
  if (ignoreip && [...ignoreip.fail2ban, ...ignoreip.f2bCampaign].some((entry) => typeof entry !== 'string')) {
    return 'an ignoreip entry is not text';
  }
  if (server && !(server.running === null || typeof server.running === 'boolean')) {
    return 'fail2banServer.running is not true, false or null';
  }
  if (server && !(server.pid === null || typeof server.pid === 'string')) return 'fail2banServer.pid is not text';
  return null;
}
