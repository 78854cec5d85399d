import type { AuthEvent } from '../core/auth-event.js';
import { CUT_MARK, cutText } from '../core/cut-text.js';
import type { SocketSample } from '../core/socket.js';
import { banVerdict, NO_VERDICTS, type Verdict, type VerdictValue } from '../core/verdict.js';
import { isLoopback } from './address.js';
import { type AlertSettings, alertSettings } from './alert-settings.js';
import type { CampaignLookup } from './campaign-lookup.js';
import { judgeLogin } from './compromise.js';
import { isLongSession, longSessionThreshold, reasonsAtOpen } from './lateral-rules.js';
import { type LoginWatch, LoginWatches, loginBefore, MAX_WATCH_ALERTS } from './login-watch.js';
import { type BaselineSnapshot, OutboundBaseline } from './outbound-baseline.js';
import { lifetimeOf, type OutboundSocket, OutboundTracker, type TrackerSnapshot } from './outbound-tracker.js';
import { type ClosedSocket, LATE_LINE, RecentlyClosed } from './recently-closed.js';

/** Longest username written in an alert: enough to recognise it, short enough to keep the line readable. */
const MAX_USER_CHARS = 64;
/** Alerts kept for `status`. */
const RECENT_ALERTS = 50;

interface AlertCoreSnapshot {
  readonly version: 1;
  readonly baseline: BaselineSnapshot;
  readonly tracker: TrackerSnapshot;
  readonly watches: LoginWatch[];
  readonly longAlerted: string[];
  readonly recent: Array<Record<string, VerdictValue>>;
  readonly counts: Counts;
  /** Latest event or sample time seen (absent in older snapshots). */
  readonly now?: number;
  /** This host's addresses as of the last sample (absent in older snapshots). */
  readonly local?: string[];
  /** Closed connections not learned yet, for a login line read late (absent in older snapshots). */
  readonly closed?: ClosedSocket[];
}

interface Counts {
  compromise: number;
  lateral: number;
  bans: number;
  /** Lateral alerts not written because their watch had written MAX_WATCH_ALERTS (absent in older snapshots). */
  suppressed: number;
}

/**
 * An alert kept for `status`: the verdict as made (formatting it as a record is left until it is asked for, which is
 * rare, while a replay can make tens of thousands of alerts), or the record a snapshot kept.
 */
type RecentAlert = { readonly verdict: Verdict } | { readonly record: Record<string, VerdictValue> };

function recentRecord(entry: RecentAlert): Record<string, VerdictValue> {
  if ('record' in entry) return { ...entry.record };
  return { time: new Date(entry.verdict.time).toISOString(), ...Object.fromEntries(entry.verdict.fields) };
}

/**
 * Compromise and lateral-movement alerts: a pure object fed the same events as the campaign detector, asking the
 * detector (through CampaignLookup) what it knows. No clock of its own: time comes from events and samples.
 */
export class AlertCore {
  private readonly settings: AlertSettings;
  private readonly baseline: OutboundBaseline;
  private readonly tracker: OutboundTracker;
  private readonly closed: RecentlyClosed;
  private readonly watches: LoginWatches;
  /** Sockets (by identity key) already alerted as long sessions. */
  private readonly longAlerted: Set<string>;
  private readonly recent: RecentAlert[];
  private readonly counts: Counts;
  /** This host's addresses as of the last sample. */
  private local: ReadonlySet<string> = new Set();
  /** Latest event or sample time seen: what `status` calls now. */
  private now: number;

  constructor(
    alerts: Readonly<Record<string, unknown>>,
    private readonly lookup: CampaignLookup,
    snapshot?: unknown,
  ) {
    this.settings = alertSettings(alerts);
    const snap = isSnapshot(snapshot) ? snapshot : undefined;
    this.baseline = new OutboundBaseline(this.settings.baselineMaxDestinations, snap?.baseline);
    this.tracker = new OutboundTracker(this.settings.inboundPorts, this.settings.watchedPorts, snap?.tracker);
    this.watches = new LoginWatches(snap?.watches);
    this.closed = new RecentlyClosed(snap?.closed);
    this.longAlerted = new Set(snap?.longAlerted ?? []);
    this.recent = snap ? snap.recent.map((r) => ({ record: { ...r } })) : [];
    this.counts = { compromise: 0, lateral: 0, bans: 0, suppressed: 0, ...snap?.counts };
    this.now = snap?.now ?? Number.NEGATIVE_INFINITY;
    this.local = new Set(snap?.local ?? []);
  }

  /** Judges accepted logins; call it before the detector ingests the same event. */
  onAuthEvent(e: AuthEvent): readonly Verdict[] {
    const finding = judgeLogin(e, this.lookup);
    if (!finding) return NO_VERDICTS;
    this.now = Math.max(this.now, e.time);
    const name = e.user ?? '';
    const user = name.length > MAX_USER_CHARS ? `${cutText(name, MAX_USER_CHARS)}${CUT_MARK}` : name;
    const campaign = finding.campaign.id;
    const verdicts: Verdict[] = [
      this.alert(e.time, [
        ['kind', 'compromise'],
        ['ip', e.ip],
        ['user', user],
        ['campaign', campaign],
        ['reason', finding.reason],
        ['signals', finding.campaign.signals || 'none'],
        ['method', e.method ?? 'unknown'],
      ]),
    ];
    this.counts.compromise++;
    this.watches.open(e.time, this.settings.lateralWindow, e.ip, user, campaign);
    if (
      this.settings.compromiseAction === 'ban' &&
      finding.reason !== 'sprayed-user' &&
      finding.campaign.namesAloneHeld !== true &&
      finding.campaign.protection !== 'protected' &&
      e.bannable &&
      !isLoopback(e.ip) &&
      this.lookup.mayBan(e.ip)
    ) {
      const overridden: Array<[string, VerdictValue]> =
        finding.campaign.protection === 'overridden' ? [['protection', 'overridden']] : [];
      verdicts.push(banVerdict(e.time, e.ip, campaign, `compromise+${finding.reason}`, overridden));
      this.counts.bans++;
    }
    this.judgeSampledAfter(e.time, verdicts);
    return verdicts;
  }

  /**
   * Live, the sampler can read /proc/net/tcp after a login but before the follower has read the login's line: the
   * sockets such samples showed for the first time, after the login, are judged now, as if the line had come first,
   * those already closed too (kept for LATE_LINE: recently-closed.ts). Those before the login are learned first.
   */
  private judgeSampledAfter(login: number, out: Verdict[]): void {
    const closed = this.closed.takeAll();
    for (const socket of closed) if (socket.firstSeen <= login) this.baseline.learn(socket, lifetimeOf(socket));
    for (const socket of closed) {
      if (socket.firstSeen <= login) continue;
      this.judgeOpened(socket, login, out);
      if (!socket.watched) this.baseline.learn(socket, lifetimeOf(socket));
    }
    for (const socket of this.tracker.current) {
      if (socket.preexisting || socket.watched || socket.firstSeen <= login) continue;
      this.judgeOpened(socket, login, out);
    }
  }

  /** A socket first seen after a login it follows is never learned, and alerts when unusual. */
  private judgeOpened(socket: OutboundSocket, time: number, out: Verdict[]): void {
    if (socket.preexisting) return;
    const watch = this.watches.covering(socket.firstSeen);
    if (!watch) return;
    socket.watched = true;
    const reasons = reasonsAtOpen(socket, this.baseline, this.settings, this.local);
    if (reasons) this.lateral(out, time, watch, socket, reasons, []);
  }

  /** Follows outbound sockets; alerts on unusual ones opened after a suspicious login, learns the rest. */
  onSocketSample(s: SocketSample): Verdict[] {
    this.now = Math.max(this.now, s.time);
    this.watches.expire(s.time - this.settings.lateralWindow);
    const update = this.tracker.update(s, this.watches.oldestStart());
    const verdicts: Verdict[] = [];
    for (const socket of update.closed) {
      const id = socketId(socket);
      this.longAlerted.delete(id);
      if (socket.watched || (!socket.preexisting && this.watches.covering(socket.firstSeen))) continue;
      // With a watch running, a late login line would be a later login: its watch cannot cover this socket.
      if (socket.preexisting || this.watches.covering(s.time)) this.baseline.learn(socket, lifetimeOf(socket));
      else this.closed.add(socket, s.time);
    }
    for (const socket of this.closed.due(s.time - LATE_LINE)) this.baseline.learn(socket, lifetimeOf(socket));
    this.local = this.tracker.localAddresses(s);
    for (const socket of update.opened) this.judgeOpened(socket, s.time, verdicts);
    for (const socket of update.present) {
      if (socket.preexisting || this.longAlerted.has(socketId(socket))) continue;
      const watch = this.watches.covering(socket.firstSeen);
      if (!watch) continue;
      const threshold = longSessionThreshold(socket.remotePort, this.baseline, this.settings);
      if (isLongSession(socket, threshold)) {
        this.longAlerted.add(socketId(socket));
        const usual = this.baseline.portLifetime(socket.remotePort);
        const evidence: Array<[string, VerdictValue]> = [['baseline_p95', Math.round((usual?.p95 ?? 0) / 1000)]];
        this.lateral(verdicts, s.time, watch, socket, 'long-session', evidence);
      }
    }
    return verdicts;
  }

  snapshot(): unknown {
    const snap: AlertCoreSnapshot = {
      version: 1,
      baseline: this.baseline.snapshot(),
      tracker: this.tracker.snapshot(),
      watches: this.watches.active.map((w) => ({ ...w, alerted: [...w.alerted] })),
      longAlerted: [...this.longAlerted],
      recent: this.recent.map(recentRecord),
      counts: { ...this.counts },
      ...(Number.isFinite(this.now) ? { now: this.now } : {}),
      local: [...this.local],
      closed: this.closed.snapshot(),
    };
    return snap;
  }

  status(): unknown {
    return {
      compromiseAlerts: this.counts.compromise,
      lateralAlerts: this.counts.lateral,
      compromiseBans: this.counts.bans,
      lateralSuppressed: this.counts.suppressed,
      // Ended watches are kept a while (for connections opened under them that are still open): not shown.
      watching: this.watches.active
        .filter((w) => w.end >= this.now)
        .map((w) => ({
          ip: w.ip,
          campaign: w.campaign,
          since: new Date(w.start).toISOString(),
          until: new Date(w.end).toISOString(),
        })),
      baseline: { learnedConnections: this.baseline.learned, destinations: this.baseline.size },
      recentAlerts: this.recent.map(recentRecord),
    };
  }

  private lateral(
    out: Verdict[],
    time: number,
    watch: LoginWatch,
    socket: OutboundSocket,
    reason: string,
    evidence: Array<[string, VerdictValue]>,
  ): void {
    const dedupe = `${socket.remoteIp}|${socket.remotePort}|${reason}`;
    if (watch.alerted.includes(dedupe)) return;
    if (watch.alerted.length >= MAX_WATCH_ALERTS) {
      this.counts.suppressed++;
      return;
    }
    watch.alerted.push(dedupe);
    this.counts.lateral++;
    const limit: Array<[string, VerdictValue]> =
      watch.alerted.length === MAX_WATCH_ALERTS ? [['limit', MAX_WATCH_ALERTS]] : [];
    out.push(
      this.alert(time, [
        ['kind', 'lateral'],
        ['reason', reason],
        ['local_ip', socket.localIp],
        ['local_port', socket.localPort],
        ['remote_ip', socket.remoteIp],
        ['remote_port', socket.remotePort],
        ['lifetime', Math.round(lifetimeOf(socket) / 1000)],
        ['since_login', Math.round((socket.firstSeen - loginBefore(watch, socket.firstSeen)) / 1000)],
        ...evidence,
        ['login_ip', watch.ip],
        ['user', watch.user],
        ['campaign', watch.campaign],
        ...limit,
      ]),
    );
  }

  private alert(time: number, fields: Array<[string, VerdictValue]>): Verdict {
    const verdict: Verdict = { time, verb: 'ALERT', fields };
    this.recent.push({ verdict });
    if (this.recent.length > RECENT_ALERTS) this.recent.shift();
    return verdict;
  }
}

function socketId(s: OutboundSocket): string {
  return `${s.family}|${s.localIp}|${s.localPort}|${s.remoteIp}|${s.remotePort}|${s.firstSeen}`;
}

function isSnapshot(value: unknown): value is AlertCoreSnapshot {
  return typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1;
}
