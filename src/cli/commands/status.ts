import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { asciiJson } from '../../core/ascii-json.js';
import { F2bCampaignError } from '../../core/errors.js';
import { LOOPBACK_IGNOREIP } from '../../core/fail2ban-thresholds.js';
import { type DatabaseFile, databaseText } from '../../correlate/network-lookups.js';
import { currentEnvironment, resolveSettings } from '../../service/service-settings.js';
import { readStatus, type ServiceStatus, STATUS_FILE } from '../../service/status-file.js';
import { escapeValue } from '../../verdict/verdict-line.js';
import type { Command } from '../command.js';
import { serviceArgs } from './run.js';

const usage = `usage: f2b-campaign status [--config FILE] [--runtime-dir DIR] [--json]

Shows what the running service sees, like \`fail2ban-client status\` for a jail: open campaigns and their members,
counts, the health of each source, the ignoreip it never bans (fail2ban's and [detection]'s, apart), whether
fail2ban-server runs (its pid file, looked at every second), and the asn_database and country_database it uses
(as read at its start or its last reload). Read from <runtime_dir>/${STATUS_FILE}, which the service rewrites every
few seconds. Exits 3 when the service is not running.

  --config FILE       configuration file, to find runtime_dir (default as for run)
  --runtime-dir DIR   read the status file from DIR instead
  --json              print the status file as it is`;

interface AlertsLine {
  compromiseAlerts: number;
  lateralAlerts: number;
  compromiseBans: number;
  watching: Array<{ ip: string; campaign: string; until: string }>;
  /** Each alert's fields; `user` is attacker text, escaped as on a verdict line before it is shown. */
  recentAlerts: Array<Record<string, string | number>>;
}

/** A database the service's core was given (network-lookups.ts), or null when its key is not set. */
type DatabaseLine = DatabaseFile | null;

interface CampaignLine {
  id?: string;
  members?: number;
  signals?: string;
  start?: string;
  lastSeen?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** A database as `check` shows it; `none` when not configured. */
function databaseLine(db: DatabaseLine | undefined): string {
  return typeof db !== 'object' || db === null ? 'none' : databaseText(db);
}

/**
 * The never-ban lists by origin, every entry on the one line as fail2ban-client status lists its banned addresses.
 * Loopback is said apart only when fail2ban's list does not hold it (ignoreself = false): it is never banned anyway.
 */
function ignoreipLine(lists: NonNullable<ServiceStatus['ignoreip']>): string {
  const words = (list: readonly string[]) => (list.length > 0 ? list.join(' ') : 'none');
  const loopback = LOOPBACK_IGNOREIP.every((entry) => lists.fail2ban.includes(entry)) ? '' : '; loopback always';
  return `fail2ban ${words(lists.fail2ban)}; f2b-campaign ${words(lists.f2bCampaign)}${loopback}`;
}

/** fail2ban-server as the service last saw its pid file: without it running, the verdicts ban nobody. */
function serverLine(server: NonNullable<ServiceStatus['fail2banServer']>): string {
  if (server.running === null) return `fail2ban-server unknown (${server.pidfile} cannot be looked at)`;
  if (!server.running) return `fail2ban-server NOT RUNNING (no ${server.pidfile}): verdicts ban nobody until it starts`;
  // fail2ban writes its pid file for root alone (umask 077): the packaged service sees it there, not its pid.
  const pid = server.pid !== null && /^\d+$/.test(server.pid) ? `, pid ${server.pid}` : '';
  return `fail2ban-server running${pid} (${server.pidfile})`;
}

/**
 * The service's state: what its status file says, unless the file says running and its process has gone without
 * a word (kill -9, a crash), which is `gone`.
 */
export function shownState(
  status: ServiceStatus,
  isAlive: (pid: number) => boolean = alive,
): ServiceStatus['state'] | 'gone' {
  return status.state === 'running' && !isAlive(status.pid) ? 'gone' : status.state;
}

/** The human view: fail2ban-client's tree layout, one fact per line. */
export function renderStatus(status: ServiceStatus, state: ServiceStatus['state'] | 'gone' = status.state): string {
  const said = state === 'gone' ? 'gone (its last status says running)' : state;
  const out: string[] = [`f2b-campaign: ${said}, pid ${status.pid}, since ${status.startedAt}`];
  out.push(`|- config:    ${status.config ?? '(built-in defaults)'}`);
  out.push(
    `|- fail2ban:  maxretry ${status.thresholds.maxretry} in ${status.thresholds.findtime / 1000} s (from ${status.thresholds.origin})`,
  );
  // Absent from an earlier version's status file: nothing to say then.
  if (status.ignoreip) out.push(`|- ignoreip:  ${ignoreipLine(status.ignoreip)}`);
  if (status.fail2banServer) out.push(`|- server:    ${serverLine(status.fail2banServer)}`);
  // Absent from a core that reads no databases (another version's): nothing to say then, not "none".
  const databases = (status.core as { databases?: Record<string, DatabaseLine> } | null)?.databases;
  if (typeof databases === 'object' && databases !== null) {
    out.push('|- databases');
    for (const key of ['asn', 'country']) out.push(`|  |- ${key}_database: ${databaseLine(databases[key])}`);
  }
  out.push('|- sources');
  for (const s of status.sources) {
    const detail = s.detail ? ` (${s.detail})` : '';
    out.push(
      `|  |- ${s.name}: ${s.state}${detail}, ${s.delivered} read, last ${ago(s.lastDeliveryAt ? new Date(s.lastDeliveryAt).toISOString() : null)}`,
    );
  }
  out.push(`|- lines:     ${status.lines.read} read, ${status.lines.events} sshd events`);
  const top = status.sockets.topSources.map((t) => `${t.ip}(${t.open})`).join(' ');
  out.push(
    `|- sockets:   ${status.sockets.open} open to sshd, ${status.sockets.closed} closed, sampled ${ago(status.sockets.lastSampleAt)}${top ? `; most: ${top}` : ''}`,
  );
  const owed = status.verdicts.owed > 0 ? `, ${status.verdicts.owed} OWED (cannot write)` : '';
  out.push(`|- verdicts:  ${status.verdicts.written} written to ${status.verdictLog}${owed}`);
  const detection = (
    status.core as { detection?: { campaigns?: CampaignLine[]; trackedSources?: number; heldBans?: number } } | null
  )?.detection;
  // The core's part is the core's own shape, not checked by readStatus: what is not a list shows as none.
  const campaigns = Array.isArray(detection?.campaigns) ? detection.campaigns : [];
  const tracked = detection?.trackedSources !== undefined ? `, ${detection.trackedSources} sources tracked` : '';
  // Bans waiting for names_alone_hold: a newcomer's login in the next minutes spares it.
  const held = detection?.heldBans ? `, ${detection.heldBans} bans held (names_alone_hold)` : '';
  out.push(`\`- campaigns: ${campaigns.length} open${tracked}${held}`);
  for (const c of campaigns) {
    out.push(`   |- ${c.id}: ${c.members} members, ${c.signals}, since ${c.start}, last seen ${ago(c.lastSeen)}`);
  }
  const alerts = (status.core as { alerts?: AlertsLine } | null)?.alerts;
  if (alerts && Array.isArray(alerts.watching) && Array.isArray(alerts.recentAlerts)) {
    // The campaigns line closes the tree above; the alerts are a second one, as fail2ban-client shows two jails.
    out.push(
      `alerts: ${alerts.compromiseAlerts} compromise, ${alerts.lateralAlerts} lateral movement, ` +
        `${alerts.compromiseBans} compromise bans; ${alerts.watching.length} logins watched`,
    );
    const items = [
      ...alerts.watching.map((w) => `watching ${w.ip} (${w.campaign}) until ${w.until}`),
      ...alerts.recentAlerts.slice(-5).map((a) =>
        Object.entries(a)
          .map(([k, v]) => `${k}=${escapeValue(v)}`)
          .join(' '),
      ),
    ];
    for (let i = 0; i < items.length; i++) out.push(`${i === items.length - 1 ? '`' : '|'}- ${items[i]}`);
  }
  return out.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string' }, 'runtime-dir': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    });
    let dir = values['runtime-dir'];
    if (!dir) {
      const parsed = serviceArgs(values.config ? ['--config', values.config] : []);
      const config = parsed.load();
      // A user who may not write the system's runtime_dir would run a service of their own under ./var/run, but
      // reading the system service's status needs only read access: its status file wins when it is there.
      const system = resolveSettings(config, {}, { ...currentEnvironment(), isRoot: true }).runtimeDir;
      dir = existsSync(join(system, STATUS_FILE)) ? system : parsed.settingsOf(config).runtimeDir;
    }
    let status: ServiceStatus;
    try {
      status = readStatus(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        process.stderr.write(`f2b-campaign is not running (no ${join(dir, STATUS_FILE)})\n`);
        return 3;
      }
      throw new F2bCampaignError(
        'STATUS_UNREADABLE',
        `cannot read ${join(dir, STATUS_FILE)}: ${(error as Error).message}`,
      );
    }
    const state = shownState(status);
    if (values.json) process.stdout.write(`${asciiJson(status, 2)}\n`);
    else process.stdout.write(`${renderStatus(status, state)}\n`);
    if (state !== 'running') {
      const why = state === 'gone' ? 'has gone without stopping; its last status says running' : state;
      process.stderr.write(
        `f2b-campaign is not running (pid ${status.pid} ${why}; last update ${ago(status.updatedAt)})\n`,
      );
      return 3;
    }
    if (Date.now() - Date.parse(status.updatedAt) > 30_000) {
      process.stderr.write(`warning: the status is ${ago(status.updatedAt)} old: the service may be stuck\n`);
    }
    return 0;
  },
};
