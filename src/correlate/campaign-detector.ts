import type { AuthEvent } from '../core/auth-event.js';
import type { CorrelationCore } from '../core/correlation-core.js';
import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import type { SocketSample } from '../core/socket.js';
import { joinVerdicts, NO_VERDICTS, type Verdict } from '../core/verdict.js';
import { AsnBlocks } from './asn-blocks.js';
import { CampaignBook } from './campaign-book.js';
import { type CampaignSettings, campaignSettings } from './campaign-settings.js';
import { Countries } from './countries.js';
import type { Counters, DetectorSnapshot, SnapshotRest } from './detector-snapshot.js';
import { detectorSnapshotJson, restoredCounters, restoredSources } from './detector-snapshot.js';
import { detectorStatus } from './detector-status.js';
import { EvidenceIntake } from './evidence-intake.js';
import type { BlockKey } from './ip-prefix.js';
import type { NetworkLookups } from './network-lookups.js';
import { NeverBan } from './never-ban.js';
import { PredictableSources } from './predictable-sources.js';
import { RecencyMap } from './recency-map.js';
import { type Judges, rejudgeRecent } from './rejudge-recent.js';
import { SignalSet } from './signal-set.js';
import type { Evidence } from './signals/signal.js';
import type { SourceState } from './source-state.js';
import { SourceTable } from './source-table.js';
import { SuccessHistory } from './success-history.js';

/** Sources re-judged when a campaign opens or the surge alarm starts (they may match only now). */
const RECENT = 1024;

/**
 * The campaign detector: per-source bookkeeping, the signals, the campaign book. Pure: time comes from the events
 * and from advance(); the same input gives the same verdicts, and a snapshot resumes exactly where it was taken.
 */
export class CampaignDetector implements CorrelationCore {
  readonly settings: CampaignSettings;
  readonly neverBan: NeverBan;
  readonly successes: SuccessHistory;
  /** The sources' autonomous systems as locality blocks (none without an asn_database). */
  readonly asnBlocks: AsnBlocks;
  readonly predictable: PredictableSources;
  readonly sources: SourceTable;
  readonly signals: SignalSet;
  readonly book: CampaignBook;
  private readonly recent: RecencyMap;
  private readonly judges: Judges;
  /** What each event teaches the source's record and the signals (evidence-intake.ts). */
  private readonly intake: EvidenceIntake;
  /** Reused for each judgement (the book copies it when it keeps it). */
  private readonly scratch: Evidence = new Map();
  /** The signals' evidence for a member, into the scratch map (one function, not a closure per event). */
  private readonly evaluate = (s: SourceState, now: number): Evidence => this.signals.evaluate(s, now, this.scratch);
  /** Sources to re-judge after an event, reused for each event. */
  private readonly rejudge: string[] = [];
  private readonly counters: Counters;
  private now: number;
  /** The time of the last tick that ran (NaN: none yet), and whether its expiry stopped at its budget. */
  private tickedAt = Number.NaN;
  private expiring = false;

  constructor(
    values: Readonly<Record<string, unknown>>,
    readonly thresholds: Fail2banThresholds,
    snapshot?: DetectorSnapshot,
    /**
     * The snapshot's source rows, when they were kept apart from it (snapshotJson's `rowsApart`), read as they are
     * used; parsed JSON, as the snapshot is.
     */
    rows?: Iterable<unknown>,
    /** The optional databases' lookups (asn_database, country_database); none when absent. */
    networks: NetworkLookups = {},
  ) {
    this.settings = campaignSettings(values);
    this.asnBlocks = new AsnBlocks(networks.asn);
    this.neverBan = new NeverBan([...thresholds.ignoreip, ...this.settings.ignoreip]);
    this.successes = new SuccessHistory(
      this.settings.successMemory,
      this.settings.maxSources,
      snapshot?.successes,
      this.asnBlocks,
    );
    this.predictable = new PredictableSources(values, snapshot?.predictable, (s, now) =>
      this.signals.synchrony.shows(s, now),
    );
    this.sources = new SourceTable(
      this.settings.sourceTtl,
      this.settings.maxSources,
      restoredSources(snapshot, rows),
      (ip) => this.book.held.startedAt(ip) !== undefined,
    );
    this.sources.evicted = snapshot?.evictedSources ?? 0;
    const env = {
      thresholds,
      source: (ip: string) => this.sources.get(ip),
      prefixHasSuccess: (prefix: BlockKey, now: number) => this.successes.blockHasSuccess(prefix, now),
      asnBlocks: this.asnBlocks,
    };
    this.signals = new SignalSet(values, env, snapshot?.signals);
    this.book = new CampaignBook(
      {
        settings: this.settings,
        thresholds,
        dictionary: this.signals.dictionary,
        successes: this.successes,
        asnBlocks: this.asnBlocks,
        countries: new Countries(networks.country),
        source: env.source,
        lifetimeSeconds: (bucket) => this.signals.lifetime.bucketSeconds(bucket),
      },
      snapshot?.book,
    );
    this.recent = new RecencyMap(RECENT, snapshot?.recent ?? []);
    this.judges = { sources: this.sources, book: this.book, signals: this.signals, window: this.settings.window };
    this.intake = new EvidenceIntake(
      this.signals,
      this.sources,
      this.successes,
      this.predictable,
      this.book,
      this.recent,
    );
    this.counters = restoredCounters(snapshot);
    this.now = snapshot?.now ?? Number.NEGATIVE_INFINITY;
    // Every tracked source has passed the never-ban rules, which onAuthEvent relies on (it asks once per source).
    // Restored ones are asked again, as ignoreip may have changed since the snapshot: those it forbids now are
    // forgotten, record, candidacy and hold, so that no re-judgement or campaign opening can ban them.
    for (const ip of this.sources.ips()) {
      if (this.neverBan.reason(ip, true) === null) continue;
      this.sources.drop(ip);
      this.book.forget(ip);
    }
  }

  onAuthEvent(e: AuthEvent): readonly Verdict[] {
    this.counters.events++;
    const ticked = this.tick(e.time);
    const now = this.now;
    if (e.kind === 'success') {
      this.counters.successes++;
      this.intake.onSuccess(e, now);
      return ticked;
    }
    if (e.kind !== 'failure' && e.kind !== 'probe') return ticked;
    // A tracked address passed the never-ban rules when its record was made (they depend on the address alone):
    // asked once per source, not per event.
    const known = e.bannable ? this.sources.get(e.ip) : undefined;
    if (known === undefined && this.neverBan.reason(e.ip, e.bannable) !== null) {
      this.counters.neverBan++;
      return ticked;
    }
    const s = known ?? (e.bannable ? this.sources.add(e.ip, now) : this.sources.touch(e.ip, now));
    s.last = now;
    if (this.behindBan(s, now)) return ticked;
    const rejudge = this.rejudge;
    rejudge.length = 0;
    const names = s.nameCount;
    if (e.kind === 'failure') {
      this.counters.failures += e.count;
      this.intake.observeFailure(s, e, now, rejudge);
    } else {
      this.counters.probes++;
      this.intake.observeProbe(s, e, now, rejudge);
    }
    // A line repeating an attempt already counted (`Failed password` after `Invalid user`) changes nothing to judge.
    if (e.count === 0 && s.nameCount === names && rejudge.length === 0) return ticked;
    let out = joinVerdicts(ticked, this.judge(s, now, true));
    if (rejudge.length === 0) return out;
    for (const ip of new Set(rejudge)) {
      const other = ip === s.ip ? undefined : this.sources.get(ip);
      if (other) out = joinVerdicts(out, this.judge(other, now, false));
    }
    return out;
  }

  /**
   * A failure or probe from a member we banned less than the f2b-campaign jail's bantime ago. fail2ban's firewall
   * drops such a source, so live these are the few lines already in flight, and in replay (a log recorded without
   * us) they are what the ban would have stopped: either way they are not new evidence. They keep the campaign alive
   * and are counted, nothing more: the signals and the campaign see what the live service would have seen, and
   * replaying a campaign's log stops paying for every line of every banned member.
   */
  private behindBan(s: SourceState, now: number): boolean {
    if (s.campaign === '' || s.bannedAt < 0 || now - s.bannedAt >= this.thresholds.campaignBantime) return false;
    const c = this.book.memberOf(s.ip, s);
    if (c === undefined) return false;
    if (now > c.lastSeen) c.lastSeen = now;
    this.counters.whileBanned++;
    return true;
  }

  /** `active`: the source itself just acted (a member's activity keeps its campaign alive and may re-ban it). */
  private judge(s: SourceState, now: number, active: boolean): readonly Verdict[] {
    const member = this.book.memberOf(s.ip, s);
    if (member) {
      if (!active) return NO_VERDICTS;
      return this.book.onMember(member, s, this.evaluate, now);
    }
    if (s.campaign !== '') {
      // memberOf just looked into every live campaign: its campaign ended and no other lists it.
      s.campaign = '';
      s.notMember = true;
    }
    const opened = this.book.live.length;
    const out = this.book.consider(s, this.signals.evaluate(s, now, this.scratch), now);
    return this.book.live.length > opened ? joinVerdicts(out, rejudgeRecent(this.recent, this.judges, now)) : out;
  }

  private tick(time: number): readonly Verdict[] {
    if (time > this.now) this.now = time;
    const now = this.now;
    // The instant of the last tick again (a busy log writes a dozen lines a second): nothing more falls due, no
    // campaign grows quieter, the surge's minute is the same; only an expiry cut short by its budget has more to do.
    if (now === this.tickedAt && !this.expiring) return NO_VERDICTS;
    this.tickedAt = now;
    this.expiring = this.sources.expire(now);
    const alarm = this.signals.surge.roll(now);
    let out = this.book.tick(now);
    if (alarm) out = joinVerdicts(out, rejudgeRecent(this.recent, this.judges, now));
    const due = this.book.held.due(now);
    return due === undefined ? out : joinVerdicts(out, this.judgeHeld(due, now));
  }

  /** Sources whose hold ran out: judged again, so banned unless a login (or its /64's) protects them now. */
  private judgeHeld(due: readonly string[], now: number): readonly Verdict[] {
    let out: readonly Verdict[] = NO_VERDICTS;
    for (const ip of due) {
      const s = this.sources.get(ip);
      if (s) out = joinVerdicts(out, this.judge(s, now, false));
      this.book.held.release(ip);
    }
    return out;
  }

  onSocketSample(sample: SocketSample): readonly Verdict[] {
    this.counters.samples++;
    let out = this.tick(sample.time);
    for (const ip of new Set(this.signals.lifetime.observe(sample))) {
      const s = this.sources.get(ip);
      if (s) out = joinVerdicts(out, this.judge(s, this.now, false));
    }
    return out;
  }

  advance(now: number): readonly Verdict[] {
    return this.tick(now);
  }

  nextDeadline(): number | undefined {
    return this.book.nextDeadline();
  }

  /** The current time of the detector (the latest event or advance). */
  get clock(): number {
    return this.now;
  }

  snapshot(): DetectorSnapshot {
    return { ...this.snapshotRest(), signals: this.signals.snapshot(), sources: this.sources.snapshot() };
  }

  /**
   * The snapshot as JSON text, in pieces, without the whole of it in memory at once (detectorSnapshotJson). Read the
   * pieces at once, before the next event: they are taken from the live tables as they are read. With `rowsApart`,
   * the source rows are left out, for snapshotRows (a restart then reads them one at a time).
   */
  snapshotJson(rowsApart = false): Generator<string> {
    return detectorSnapshotJson(this.snapshotRest(), this.signals, this.sources, rowsApart);
  }

  /** The source rows snapshotJson(true) leaves out, each as JSON text; given back to the constructor as `rows`. */
  snapshotRows(): Iterable<string> {
    return this.sources.rowTexts();
  }

  /** All but the signals and the sources, which snapshotJson writes in pieces. */
  private snapshotRest(): SnapshotRest {
    return {
      version: 1,
      now: this.now,
      book: this.book.snapshot(),
      successes: this.successes.snapshot(),
      recent: this.recent.entries(),
      counters: { ...this.counters },
      evictedSources: this.sources.evicted,
      predictable: this.predictable.snapshot(),
    };
  }

  status(): unknown {
    return detectorStatus(this.book, this.sources, this.signals.surge, this.counters, this.predictable.size);
  }
}
