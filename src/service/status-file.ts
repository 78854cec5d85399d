import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceHealth } from '../sources/source.js';
import { writeFileAtomic } from './atomic-file.js';

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
  /** The correlation core's own status: open campaigns, members, counters. */
  readonly core: unknown;
}

export function writeStatus(dir: string, status: ServiceStatus): void {
  writeFileAtomic(join(dir, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`, 0o644, false);
}

export function readStatus(dir: string): ServiceStatus {
  return JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as ServiceStatus;
}
