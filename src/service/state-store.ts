import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { FilePosition } from '../sources/file-position.js';
import { writeFileAtomic } from './atomic-file.js';
import type { VerdictLogMark } from './verdict-dedupe.js';

/**
 * Everything a restart needs, saved as one file in one atomic rename: read positions, the journal cursor and the
 * correlation core's snapshot are taken at the same instant (between two lines), so they always agree.
 */
export interface ServiceState {
  readonly version: 1;
  readonly savedAt: number;
  readonly files: readonly FilePosition[];
  readonly journalCursor: string | null;
  readonly core: unknown;
  /** End of the verdict log at save time (for dedupe after a crash). */
  readonly verdicts: VerdictLogMark | null;
  /** Verdict lines owed because the disk was full. */
  readonly owed: readonly string[];
  /** Each input's parser memory (`file:<path>` or `journal`): pairs the lines of one sshd connection across a restart. */
  readonly parsers?: Readonly<Record<string, unknown>>;
}

export const STATE_FILE = 'state.json';

/** Writes the state; `coreJson`, when given, is the JSON text of `state.core` in pieces (written in its place). */
export function saveState(dir: string, state: ServiceState, coreJson?: Iterable<string>): void {
  writeFileAtomic(join(dir, STATE_FILE), coreJson ? stateText(state, coreJson) : [`${JSON.stringify(state)}\n`], 0o600);
}

function* stateText(state: ServiceState, coreJson: Iterable<string>): Generator<string> {
  const { core: _core, ...rest } = state;
  const head = JSON.stringify(rest);
  yield `${head.slice(0, -1)},"core":`;
  yield* coreJson;
  yield '}\n';
}

export type LoadedState = { state: ServiceState | null; problem?: string };

/** Reads the saved state. A corrupt file is moved aside (kept for inspection) and reported, never fatal. */
export function loadState(dir: string): LoadedState {
  const path = join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: null };
    return { state: null, problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  try {
    const state = JSON.parse(text) as ServiceState;
    if (state.version !== 1 || !Array.isArray(state.files)) throw new Error(`unknown state version ${state.version}`);
    return { state };
  } catch (error) {
    const aside = `${path}.corrupt-${Date.now()}`;
    renameSync(path, aside);
    return { state: null, problem: `${path} is not valid state (${(error as Error).message}); moved to ${aside}` };
  }
}
