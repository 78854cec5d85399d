import type { MessagePort } from 'node:worker_threads';
import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import type { Verdict } from '../core/verdict.js';
import { createCore } from '../correlate/create-core.js';
import { networkLookupsOf } from '../geo/network-databases.js';
import { readLines } from '../parse/line-reader.js';
import { readSocketTrace, type TraceStats } from '../parse/socket-trace.js';
import { formatVerdictLine } from '../verdict/verdict-line.js';
import { LineSink } from './line-sink.js';
import { parseLog } from './parse-in-worker.js';
import type { LogSet } from './parse-worker.js';
import { replayLogs } from './replay-logs.js';

/**
 * What `replay` runs once its command line is checked (the sshd logs, read as one, and the rest): plain data, so
 * that a worker thread can be given it.
 */
export interface ReplayJob extends LogSet {
  /** A socket trace to merge in, if any. */
  readonly sockets: string | undefined;
  /** The config's [detection] and [alerts] values. */
  readonly detection: Readonly<Record<string, unknown>>;
  readonly alerts: Readonly<Record<string, unknown>>;
  readonly thresholds: Fail2banThresholds;
  /** Where the verdict lines go: standard output or the --verdicts file, opened (and closed) by the command. */
  readonly fd: number;
  /** The process id the verdict lines carry. */
  readonly pid: number;
}

/** What `replay` reports on stderr when done; `sockets` only when a trace was given. */
export interface ReplaySummary {
  readonly files: number;
  readonly lines: number;
  readonly events: number;
  readonly samples: number;
  readonly verdicts: number;
  readonly bans: number;
  readonly seconds: number;
  readonly linesPerSecond: number;
  readonly parserThread: boolean;
  readonly heldAtEnd?: number;
  readonly thresholds: Pick<Fail2banThresholds, 'maxretry' | 'findtime' | 'campaignBantime' | 'origin'>;
  readonly parse: object | undefined;
  readonly sockets?: TraceStats;
}

/**
 * Parses the logs (or takes their events from the parser's thread, on `events`), detects, writes the verdicts.
 */
export async function runReplay(job: ReplayJob, events?: MessagePort): Promise<ReplaySummary> {
  const { thresholds } = job;
  // Read before the logs: a bad asn_database or country_database is an error before any work.
  const networks = networkLookupsOf(job.detection);
  const parsed = parseLog(job, events);
  const core = createCore(job.detection, thresholds, undefined, job.alerts, undefined, networks);
  const sink = new LineSink(job.fd);
  let bans = 0;
  const emit = (verdict: Verdict): void => {
    if (verdict.verb === 'BAN') bans++;
    sink.write(formatVerdictLine(verdict, job.pid));
  };

  const started = process.hrtime.bigint();
  const trace: TraceStats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 };
  const result = await replayLogs({
    events: parsed.batches,
    ...(job.sockets === undefined ? {} : { samples: readSocketTrace(readLines(job.sockets), trace) }),
    core,
    emit,
  });
  sink.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const parse = parsed.stats() as { lines: number } | undefined;
  const lines = parse?.lines ?? 0;
  // Bans held (names_alone_hold) whose hold had not run out at the log's last line: replay stops on the log's
  // clock, and whether a login would have spared them is beyond the log.
  const held = (core.status() as { detection?: { heldBans?: number } }).detection?.heldBans ?? 0;
  return {
    files: job.files.length,
    lines,
    events: result.events,
    samples: result.samples,
    verdicts: result.verdicts,
    bans,
    seconds: Number(seconds.toFixed(3)),
    linesPerSecond: Math.round(lines / seconds),
    parserThread: parsed.inWorker,
    ...(held > 0 ? { heldAtEnd: held } : {}),
    thresholds: {
      maxretry: thresholds.maxretry,
      findtime: thresholds.findtime,
      campaignBantime: thresholds.campaignBantime,
      origin: thresholds.origin,
    },
    parse,
    ...(job.sockets === undefined ? {} : { sockets: trace }),
  };
}
