import { AlertCore } from '../alerts/alert-core.js';
import type { AuthEvent } from '../core/auth-event.js';
import type { CorrelationCore } from '../core/correlation-core.js';
import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import type { SocketSample } from '../core/socket.js';
import { joinVerdicts, type Verdict } from '../core/verdict.js';
import { CampaignDetector } from './campaign-detector.js';
import { DetectorLookup } from './detector-lookup.js';
import type { DetectorSnapshot } from './detector-snapshot.js';
import type { NetworkLookups } from './network-lookups.js';

interface CoreSnapshot {
  readonly version: 1;
  readonly detector: DetectorSnapshot;
  readonly alerts: unknown;
}

function isCoreSnapshot(value: unknown): value is CoreSnapshot {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1 && 'detector' in value
  );
}

/**
 * The correlation core the replay command and the live service drive: the campaign detector, and the compromise
 * and lateral-movement alerts asking it what it knows. The alerts judge each event before the detector ingests it
 * (their contract: answers describe the state just before the event). `snapshot()` survives JSON and, given back
 * here, resumes exactly.
 *
 * @param detection the [detection] section's values (missing keys take their documented defaults)
 * @param thresholds fail2ban's view of the sshd jail
 * @param snapshot a previous `snapshot()`, after JSON.stringify/parse
 * @param alerts the [alerts] section's values (defaults when omitted)
 * @param rows the snapshot's source rows, when they were kept apart from it (`snapshotJson(true)`, `snapshotRows`)
 * @param networks the optional databases' lookups, as the adapter read them (src/geo/network-databases.ts), and
 *   the files they came from, which status() shows as `databases`
 */
export function createCore(
  detection: Readonly<Record<string, unknown>>,
  thresholds: Fail2banThresholds,
  snapshot?: unknown,
  alerts: Readonly<Record<string, unknown>> = {},
  rows?: Iterable<unknown>,
  networks: NetworkLookups = {},
): CorrelationCore {
  const snap = isCoreSnapshot(snapshot) ? snapshot : undefined;
  const detector = new CampaignDetector(detection, thresholds, snap?.detector, rows, networks);
  const alertCore = new AlertCore(alerts, new DetectorLookup(detector), snap?.alerts);
  return {
    onAuthEvent(event: AuthEvent): readonly Verdict[] {
      const early = alertCore.onAuthEvent(event);
      return joinVerdicts(early, detector.onAuthEvent(event));
    },
    onSocketSample(sample: SocketSample): readonly Verdict[] {
      const verdicts = detector.onSocketSample(sample);
      return joinVerdicts(verdicts, alertCore.onSocketSample(sample));
    },
    advance(now: number): readonly Verdict[] {
      return detector.advance(now);
    },
    nextDeadline(): number {
      return detector.nextDeadline();
    },
    snapshot(): unknown {
      const s: CoreSnapshot = { version: 1, detector: detector.snapshot(), alerts: alertCore.snapshot() };
      return s;
    },
    *snapshotJson(rowsApart = false): Generator<string> {
      yield '{"version":1,"detector":';
      yield* detector.snapshotJson(rowsApart);
      yield `,"alerts":${JSON.stringify(alertCore.snapshot())}}`;
    },
    snapshotRows(): Iterable<string> {
      return detector.snapshotRows();
    },
    status(): unknown {
      const databases = networks.files ? { databases: networks.files } : {};
      return { detection: detector.status(), alerts: alertCore.status(), ...databases };
    },
  };
}
