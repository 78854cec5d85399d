import { readFile, stat } from 'node:fs/promises';
import type { AuthEvent } from '../core/auth-event.js';
import type { CorrelationCore } from '../core/correlation-core.js';
import { DEBIAN_DEFAULT_THRESHOLDS, type Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import type { Verdict } from '../core/verdict.js';
import { createCore } from '../correlate/create-core.js';
import { networkLookupsOf } from '../geo/network-databases.js';
import { readLineBatches, readLines } from '../parse/line-reader.js';
import { readSocketTrace } from '../parse/socket-trace.js';
import { SshdParser } from '../parse/sshd-parser.js';
import { parseBatches } from '../replay/parse-batches.js';
import { replayLogs } from '../replay/replay-logs.js';
import { EventLedger, type ScenarioScore, scoreScenario } from './score.js';
import type { Truth } from './session.js';
import type { ScenarioFiles } from './write-scenario.js';

export interface ScenarioRun {
  readonly score: ScenarioScore;
  readonly verdicts: Verdict[];
  readonly events: number;
  readonly samples: number;
}

/**
 * Replays a written scenario the way `f2b-campaign replay` does (log file -> SshdParser -> core, socket trace ->
 * readSocketTrace -> core, merged on the log's clock) and scores the verdicts against the scenario's truth.
 */
export async function replayScenario(
  files: Pick<ScenarioFiles, 'authLog' | 'sockets' | 'truth'>,
  detection: Readonly<Record<string, unknown>> = {},
  thresholds: Fail2banThresholds = DEBIAN_DEFAULT_THRESHOLDS,
  alerts: Readonly<Record<string, unknown>> = {},
): Promise<ScenarioRun> {
  const truth = JSON.parse(await readFile(files.truth, 'utf8')) as Truth;
  const ledger = new EventLedger();
  const inner = createCore(detection, thresholds, undefined, alerts, undefined, networkLookupsOf(detection));
  const core: CorrelationCore = {
    onAuthEvent(e: AuthEvent) {
      ledger.record(e);
      return inner.onAuthEvent(e);
    },
    onSocketSample: (s) => inner.onSocketSample(s),
    advance: (now) => inner.advance(now),
    nextDeadline: () => inner.nextDeadline(),
    snapshot: () => inner.snapshot(),
    status: () => inner.status(),
  };
  const verdicts: Verdict[] = [];
  const result = await replayLogs({
    events: parseBatches(
      readLineBatches(files.authLog),
      new SshdParser({ referenceTime: (await stat(files.authLog)).mtimeMs }),
    ),
    samples: readSocketTrace(readLines(files.sockets)),
    core,
    emit: (v) => verdicts.push(v),
  });
  return { score: scoreScenario(truth, ledger, verdicts), verdicts, events: result.events, samples: result.samples };
}
