import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import { IGNOREIP_KEY } from '../correlate/campaign-settings.js';
import { setting } from '../correlate/settings.js';
import { removeLeftTemporaries } from './atomic-file.js';
import { CoalescedRun } from './coalesced-run.js';
import { type CoreFactory, rebuiltCore, restoredCore } from './core-restore.js';
import { Fail2banServerWatch, followFail2ban } from './fail2ban-server-watch.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { Pipeline } from './pipeline.js';
import { resolveSettings, type ServiceSettings } from './service-settings.js';
import { ServiceSources } from './service-sources.js';
import { StateSaver } from './state-saver.js';
import { loadState, type ServiceState, STATE_FILE } from './state-store.js';
import { type ServiceStatus, writeStatus } from './status-file.js';
import { VerdictDedupe } from './verdict-dedupe.js';
import { VerdictWriter } from './verdict-writer.js';

export type { CoreFactory } from './core-restore.js';
export type ThresholdReader = (settings: ServiceSettings) => Promise<Fail2banThresholds>;

export interface CampaignServiceOptions {
  readonly config: LoadedConfig;
  readonly settings: ServiceSettings;
  readonly createCore: CoreFactory;
  readonly readThresholds: ThresholdReader;
  readonly log: Logger;
  /** Reads the configuration again (SIGHUP); throws with a message naming what is wrong. */
  readonly reloadConfig?: () => LoadedConfig;
  /** Settings from a (reloaded) configuration, with the command line's overrides applied. */
  readonly settingsOf?: (config: LoadedConfig) => ServiceSettings;
  /** The program's version, logged at start: which detector wrote a verdict is part of explaining it later. */
  readonly version?: string;
}

/** How often the verdict log is checked, owed verdicts retried and wall-clock time given to the core. */
const TICK_MS = 1000;
const STATUS_EVERY_MS = 5000;
/**
 * How far behind the wall clock the core's clock is kept when no line moves it: a line stamped before then has had
 * that long to reach the file or journalctl (rsyslog's queue, journalctl waking up), and a classic syslog stamp is
 * cut to the second, so a login made just before a hold's end is read before the hold is judged.
 */
const LINE_DELAY_MS = 2000;
/**
 * How long after start the verdicts written past the last save are kept to drop their repeats. The lines read
 * again after a crash come at once from files, but a journalctl resuming after its cursor may take seconds: the
 * first periodic save (state_interval) came too early for it.
 */
const REPEATS_KEPT_MS = 60_000;

/**
 * The live service (`f2b-campaign run`): sources → parser → the correlation core → verdict lines, with state saved
 * atomically and periodically so that a restart, even after kill -9, neither skips a line nor writes a verdict twice.
 */
export class CampaignService {
  private readonly options: CampaignServiceOptions;
  private config: LoadedConfig;
  private thresholds: Fail2banThresholds | null = null;
  private pipeline: Pipeline | null = null;
  private writer: VerdictWriter | null = null;
  private sources: ServiceSources | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly saver: StateSaver;
  private phase: ServiceStatus['state'] = 'running';
  /** SIGHUPs that come while a reload reads fail2ban's configuration make one more reload after it, not one each. */
  private readonly reloads = new CoalescedRun(() => this.reloadOnce());
  /** fail2ban-server's pid file and reload mark, whose changes (a restart, a reload) reload us as a SIGHUP does. */
  private readonly serverWatch = new Fail2banServerWatch();
  /** When the configuration in force began to be read: a fail2ban reload marked before then is in it already. */
  private readBeganAt = 0;

  constructor(options: CampaignServiceOptions) {
    this.options = options;
    this.config = options.config;
    const { stateDir, stateInterval, stateWriteRate } = options.settings;
    this.saver = new StateSaver(stateDir, stateInterval, stateWriteRate, options.log);
  }

  async start(): Promise<void> {
    const { settings, log } = this.options;
    mkdirSync(settings.stateDir, { recursive: true });
    const leftovers = removeLeftTemporaries(join(settings.stateDir, STATE_FILE));
    if (leftovers.length > 0) log.info({ event: LOG_EVENTS.stateLeftovers, files: leftovers });
    const loaded = loadState(settings.stateDir);
    if (loaded.problem) log.error({ event: LOG_EVENTS.stateCorrupt, problem: loaded.problem });
    const state = loaded.state;
    // Before the read: a fail2ban restart or reload while this start reads and opens its sources is then seen, not
    // taken for the state found.
    this.serverWatch.follow(settings.fail2banConfig);
    this.readBeganAt = Date.now();
    this.thresholds = await this.options.readThresholds(settings);
    log.info({ event: LOG_EVENTS.thresholds, ...this.thresholds });
    const { createCore } = this.options;
    const core = restoredCore(createCore, log, this.config.values, this.thresholds, state?.core, loaded.rows);
    const dedupe = VerdictDedupe.fromLog(settings.verdictLog, state?.verdicts ?? null, state?.savedAt, log);
    // Lines the state owed (the disk was full) that the last run managed to write before it died, after its last
    // save, are in the log already: they are not written twice.
    const owed = (state?.owed ?? []).filter((line) => !dedupe.seenLine(line));
    this.writer = new VerdictWriter({
      path: settings.verdictLog,
      log,
      owed,
      lastRun: state?.verdicts ?? null,
      ...(state === null ? {} : { lastSavedAt: state.savedAt }),
      banLasts: this.thresholds.campaignBantime,
    });
    this.pipeline = new Pipeline(core, this.writer, dedupe, log);
    this.sources = new ServiceSources(settings, this.pipeline, state, log);
    await this.sources.start();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => this.periodicSave(), settings.stateInterval));
    this.timers.push(setInterval(() => this.publishStatus(), STATUS_EVERY_MS));
    // Saved at once: a crash before the first periodic save must still find where this run began (and the end of
    // the verdict log then), or it would start over at start_at and write its verdicts twice.
    this.save();
    this.publishStatus();
    log.info({
      event: LOG_EVENTS.started,
      ...(this.options.version === undefined ? {} : { version: this.options.version }),
      input: this.sources.journal ? 'journal' : settings.authLogs,
      verdictLog: settings.verdictLog,
      stateDir: settings.stateDir,
      resumed: state !== null,
      repeatsToSuppress: dedupe.size,
    });
  }

  /** Clean shutdown: stop reading, save state and status, close the verdict log. */
  async stop(): Promise<void> {
    const { log } = this.options;
    log.info({ event: LOG_EVENTS.stopping });
    this.phase = 'stopping';
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.sources?.stop();
    this.save();
    this.writer?.close();
    this.phase = 'stopped';
    this.publishStatus();
    log.info({ event: LOG_EVENTS.stopped, verdictsWritten: this.writer?.written ?? 0 });
  }

  /** SIGHUP: configuration and fail2ban thresholds read again, the core rebuilt from its snapshot, log reopened. */
  reload(): Promise<void> {
    return this.reloads.request();
  }

  private async reloadOnce(): Promise<void> {
    const { log } = this.options;
    const began = Date.now();
    try {
      // Everything is read and built before anything changes: a reload that fails part way applies nothing.
      const config = this.options.reloadConfig ? this.options.reloadConfig() : this.config;
      const settings = (this.options.settingsOf ?? resolveSettings)(config);
      // Paths and sources stay as started (a restart applies them); thresholds and detection settings change now.
      const thresholds = await this.options.readThresholds({ ...this.options.settings, ...pickFail2ban(settings) });
      // A stop began meanwhile: its state is saved and the verdict log closed; reopening it would leave it open.
      if (this.phase !== 'running') return;
      // The snapshot and the swap in one synchronous step: no event falls between the old core and the new.
      const { createCore } = this.options;
      const core = this.pipeline ? rebuiltCore(createCore, log, config.values, thresholds, this.pipeline.core) : null;
      log.level = settings.logLevel; // throws on a level pino does not know
      if (this.pipeline && core) this.pipeline.core = core;
      this.config = config;
      this.thresholds = thresholds;
      this.readBeganAt = began;
      this.writer?.reopen('reload');
      this.serverWatch.follow(settings.fail2banConfig);
      // At once, not at the next tick: an operator who added an address to an ignoreip and reloaded checks with
      // `status` that it is protected now.
      this.publishStatus();
      log.info({ event: LOG_EVENTS.reloaded, config: this.config.file, thresholds });
    } catch (error) {
      // The old configuration stays in force; the operator's edit needs fixing.
      log.error({ event: LOG_EVENTS.reloadFailed, err: (error as Error).message });
    }
  }

  /** Reads what the followed files hold right now and saves state (tests use it to settle). */
  settle(): void {
    this.sources?.drainFiles();
    this.save();
  }

  /** The state a restart would resume from, taken in one synchronous step; `withCore` false leaves the core's snapshot out (null), for save() to write in pieces. */
  snapshotState(withCore = true): ServiceState | null {
    if (!this.pipeline || !this.sources || !this.writer) return null;
    return {
      version: 1,
      savedAt: Date.now(),
      files: this.sources.positions(),
      ...this.sources.journalState(),
      core: withCore ? this.pipeline.core.snapshot() : null,
      verdicts: this.writer.mark(),
      owed: this.writer.owed(),
      parsers: this.sources.parserSnapshots(),
    };
  }

  status(): ServiceStatus | null {
    const { pipeline, sources, writer, thresholds } = this;
    if (!pipeline || !sources || !writer || !thresholds) return null;
    const { settings } = this.options;
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      state: this.phase,
      config: this.config.file,
      verdictLog: settings.verdictLog,
      verdicts: { written: writer.written, owed: writer.owed().length, suppressedRepeats: pipeline.suppressed },
      sources: sources.health(Date.now()),
      sockets: {
        open: sources.tracker.openSockets().length,
        closed: sources.tracker.closedTotal,
        lastSampleAt: sources.lastSampleAt === null ? null : new Date(sources.lastSampleAt).toISOString(),
        topSources: sources.tracker.topSources(),
      },
      lines: { read: pipeline.lines, events: pipeline.events },
      thresholds: { maxretry: thresholds.maxretry, findtime: thresholds.findtime, origin: thresholds.origin },
      // What the core was built with: both change together on a reload (reloadOnce).
      ignoreip: {
        fail2ban: thresholds.ignoreip,
        f2bCampaign: setting(this.config.values['detection'] ?? {}, IGNOREIP_KEY),
      },
      ...this.serverSeen(),
      core: pipeline.core.status(),
    };
  }

  private serverSeen(): Pick<ServiceStatus, 'fail2banServer'> {
    const seen = this.serverWatch.seen();
    return seen === null ? {} : { fail2banServer: seen };
  }

  private tick(): void {
    if (!this.pipeline || !this.writer || !this.sources) return;
    try {
      this.writer.check();
      for (const change of this.serverWatch.check()) {
        // A fail2ban-server started, restarted or reloaded has read its jail files afresh: so do we, as for a SIGHUP.
        const { record, reload } = followFail2ban(change, this.readBeganAt);
        this.options.log.info(record);
        if (reload) void this.reload();
      }
      // The wall clock ends held bans (held-joins.ts) and campaigns, but only once the lines written before it are
      // read: a hold waits for a login, and ended on the clock while the follower was still behind a burst, it banned
      // the colleague whose login sat unread in the file (found in review). Behind, the lines' own times move the
      // core; caught up, the clock does, LINE_DELAY_MS late for lines still on their way, and past the core's next
      // deadline only once the journal is known read (clockLimit).
      const now = Date.now();
      if (this.sources.caughtUp(now)) {
        const deadline = this.pipeline.core.nextDeadline();
        this.pipeline.advance(this.sources.clockLimit(now - LINE_DELAY_MS, deadline, now));
      }
    } catch (error) {
      // A fault in the core must not take the service down: the next tick tries again, and the operator is told.
      this.options.log.error({ event: LOG_EVENTS.tickFailed, err: (error as Error).stack ?? String(error) });
    }
  }

  private periodicSave(): void {
    // A minute after start, lines read a second time after a crash have been read: nothing more repeats.
    if (Date.now() - Date.parse(this.startedAt) >= REPEATS_KEPT_MS) this.pipeline?.dedupe.clear();
    if (this.pipeline && this.saver.due(this.pipeline.activity(), Date.now())) this.save();
  }

  private save(): void {
    const state = this.snapshotState(false);
    if (state && this.pipeline) this.saver.save(state, this.pipeline.core, this.pipeline.activity());
  }

  private publishStatus(): void {
    const status = this.status();
    if (!status) return;
    try {
      writeStatus(this.options.settings.runtimeDir, status);
    } catch (error) {
      this.options.log.warn({ event: LOG_EVENTS.statusFailed, err: (error as Error).message });
    }
  }
}

function pickFail2ban(settings: ServiceSettings): Pick<ServiceSettings, 'fail2banJail' | 'fail2banConfig'> {
  return { fail2banJail: settings.fail2banJail, fail2banConfig: settings.fail2banConfig };
}
