import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';
import { inPieces } from '../core/json-pieces.js';
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
  /** With no journal cursor: where the run began reading the journal (ms; 0: the whole journal). */
  readonly journalSince?: number;
  /** journalSince on the boot's own clock (journal-start.ts): a step of the wall clock while stopped moves it not. */
  readonly journalSinceAt?: { readonly boot: string; readonly monotonic: number };
  readonly core: unknown;
  /** End of the verdict log at save time (for dedupe after a crash). */
  readonly verdicts: VerdictLogMark | null;
  /** Verdict lines owed because the disk was full. */
  readonly owed: readonly string[];
  /** Each input's parser memory (`file:<path>` or `journal`): pairs the lines of one sshd connection across a restart. */
  readonly parsers?: Readonly<Record<string, unknown>>;
  /** The core's rows (its snapshotRows) follow this line in the file, one per line. */
  readonly rowLines?: boolean;
}

export const STATE_FILE = 'state.json';

/**
 * The core's snapshot as JSON text in pieces (written in place of `state.core`) and, when it keeps them apart, its
 * rows: one per line after the state's line, so that a restart parses them one at a time as it rebuilds the core
 * instead of the whole file at once (after a flood, 100,000 rows: ~20 MB of text, ~66 MB parsed).
 */
export interface CoreText {
  readonly json: Iterable<string>;
  readonly rows?: Iterable<string>;
}

/**
 * Writes the state; `core`, when given, is the JSON text of `state.core` (and the core's rows apart). `fits`: asked
 * before each piece whether there is room for it (atomic-file.ts). Returns the file's size in bytes.
 */
export function saveState(
  dir: string,
  state: ServiceState,
  core?: CoreText,
  fits?: (bytes: number) => boolean,
): number {
  return writeFileAtomic(join(dir, STATE_FILE), stateText(state, core), 0o600, true, fits);
}

/** The bytes saveState would write, counted without writing them (its text is made twice). */
export function stateSize(state: ServiceState, core?: CoreText): number {
  let bytes = 0;
  for (const piece of stateText(state, core)) bytes += Buffer.byteLength(piece);
  return bytes;
}

function* stateText(state: ServiceState, core?: CoreText): Generator<string> {
  if (!core) {
    yield `${JSON.stringify(state)}\n`;
    return;
  }
  const { core: _core, ...rest } = state;
  const head = JSON.stringify(core.rows ? { ...rest, rowLines: true } : rest);
  yield `${head.slice(0, -1)},"core":`;
  yield* core.json;
  yield '}\n';
  if (core.rows) yield* inPieces(lines(core.rows));
}

function* lines(texts: Iterable<string>): Generator<string> {
  for (const text of texts) yield `${text}\n`;
}

/** The state, and the core's rows when they were written apart: parsed one at a time, as they are read. */
export type LoadedState = { state: ServiceState | null; rows?: Iterable<unknown>; problem?: string };

/**
 * Reads the saved state. A file that is there but cannot be read (permissions) throws STATE_UNREADABLE: it is not
 * corrupt, and starting afresh would lose the position. A corrupt first line is moved aside (kept for inspection) and reported, never fatal; a
 * corrupt row is found as the core is rebuilt from them, and the core then refuses the snapshot (the service starts
 * afresh and says so). A state written before rows were kept apart is one line, and reads as before.
 */
export function loadState(dir: string): LoadedState {
  const path = join(dir, STATE_FILE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: null };
    // Not corruption: the state is there, this process may not read it (most often a run as root left it 0600).
    // Starting afresh would lose every line logged while the service was stopped, and its first save would replace
    // the file: refuse to start instead, saying what to fix.
    const fix =
      code === 'EACCES' || code === 'EPERM'
        ? `: it is not readable by this user (uid ${process.getuid?.() ?? '?'}); a run as root may have left it: give it ` +
          'to the service user (chown -R f2b-campaign: on the state directory) and start again'
        : '';
    throw new F2bCampaignError(
      'STATE_UNREADABLE',
      `cannot read the saved state ${path} (${(error as Error).message})${fix}; not starting, as starting afresh ` +
        'would skip the lines logged while stopped',
      { cause: error },
    );
  }
  const end = bytes.indexOf(0x0a);
  try {
    const state = JSON.parse(bytes.toString('utf8', 0, end < 0 ? bytes.length : end)) as ServiceState;
    if (state.version !== 1 || !Array.isArray(state.files)) throw new Error(`unknown state version ${state.version}`);
    return state.rowLines === true ? { state, rows: rowsAfter(bytes, end < 0 ? bytes.length : end + 1) } : { state };
  } catch (error) {
    const aside = `${path}.corrupt-${Date.now()}`;
    renameSync(path, aside);
    return { state: null, problem: `${path} is not valid state (${(error as Error).message}); moved to ${aside}` };
  }
}

/** Each line from `start` on, parsed: the file's bytes are kept (off the heap), not its text nor its rows. */
function* rowsAfter(bytes: Buffer, start: number): Generator<unknown> {
  for (let at = start; at < bytes.length; ) {
    const newline = bytes.indexOf(0x0a, at);
    const end = newline < 0 ? bytes.length : newline;
    if (end > at) yield JSON.parse(bytes.toString('utf8', at, end));
    at = end + 1;
  }
}
