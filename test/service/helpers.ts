import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { createCore } from '../../src/correlate/create-core.js';
import type { CoreFactory } from '../../src/service/campaign-service.js';
import { createLogger, type Logger } from '../../src/service/logger.js';
import { lineKey } from '../../src/service/verdict-dedupe.js';
import { type ParsedVerdictLine, parseVerdictLine } from '../../src/verdict/verdict-line.js';

/** A logger whose JSON lines the test can read back. */
export function memoryLogger(level = 'debug'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger(level, sink);
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `f2b-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return []; // not written yet
  }
}

/** The verdict lines written to `path` so far, parsed. */
export function verdictLines(path: string): ParsedVerdictLine[] {
  return readLines(path)
    .map((line) => parseVerdictLine(line))
    .filter((v): v is ParsedVerdictLine => v !== null);
}

/** The identities (verb and first two fields, as the service's dedupe sees them) of the verdicts in `path`. */
export function verdictLineKeys(path: string): string[] {
  return readLines(path)
    .map((line) => lineKey(line))
    .filter((key): key is string => key !== null);
}

/** The service's real core, with every auth event it is fed also pushed onto `events` (what the service read). */
export function recordingCore(events: AuthEvent[]): CoreFactory {
  return (values, thresholds, snapshot) => {
    const core = createCore(values['detection'] ?? {}, thresholds, snapshot);
    return {
      ...core,
      onAuthEvent: (e: AuthEvent) => {
        events.push(e);
        return core.onAuthEvent(e);
      },
    };
  };
}
