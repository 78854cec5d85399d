import { loadExeca } from '../sources/load-execa.js';
import { type PyValue, parsePythonLiteral } from './python-literal.js';

/** One jail as `fail2ban-client -d` reports it: only what f2b-campaign reads. Durations as fail2ban wrote them. */
export interface DumpedJail {
  readonly name: string;
  readonly backend: string;
  readonly settings: ReadonlyMap<string, PyValue>;
  /** `addignoreip` arguments, in order. */
  readonly ignoreip: readonly string[];
  /** `addlogpath` files (fail2ban lists only those that exist). */
  readonly logpaths: readonly string[];
  readonly actions: readonly string[];
  /** Each action's properties as fail2ban resolved them (`multi-set JAIL action NAME`): its commands, its [Init]. */
  readonly actionSettings: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export interface Fail2banDump {
  /** The commands, one Python list per line. */
  readonly text: string;
  /** fail2ban's ERROR log lines: a jail with errors is skipped (left out of the dump), yet the exit code is 0. */
  readonly errors: readonly string[];
}

/**
 * Runs `fail2ban-client [-c dir] -d`, which parses the configuration exactly as the server would and prints the
 * commands it would send, without needing the server or its socket. Rejects when fail2ban-client is missing
 * (ENOENT), fails, or takes longer than `timeoutMs`.
 */
export async function dumpFail2banConfig(configDir?: string, timeoutMs = 15_000): Promise<Fail2banDump> {
  const args = configDir === undefined ? ['-d'] : ['-c', configDir, '-d'];
  const execa = await loadExeca();
  const result = await execa('fail2ban-client', args, { timeout: timeoutMs, reject: true, stdin: 'ignore' });
  return { text: result.stdout, errors: fail2banErrors(result.stderr) };
}

/**
 * The ERROR records of fail2ban-client's stderr, each on one line without its time and logger. A record begins with
 * its time; its further lines (the file and line of a parse error) are joined to it.
 */
export function fail2banErrors(stderr: string): string[] {
  return stderr
    .split(/\n(?=\d{4}-\d\d-\d\d )/)
    .filter((record) => /\bERROR\b/.test(record))
    .map((record) =>
      record
        .replace(/^.*?\bERROR\s+/, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim(),
    )
    .filter((record) => record !== '');
}

/** The jails of a dump that fail2ban would start (enabled ones only: a disabled jail is not in a dump). */
export function parseFail2banDump(text: string): Map<string, DumpedJail> {
  type Jail = {
    backend: string;
    settings: Map<string, PyValue>;
    ignoreip: string[];
    logpaths: string[];
    actions: string[];
    actionSettings: Map<string, Map<string, string>>;
  };
  const jails = new Map<string, Jail>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('[')) continue;
    const command = parsePythonLiteral(line);
    if (!Array.isArray(command)) continue;
    const [verb, jail, key, ...args] = command;
    if (typeof jail !== 'string') continue;
    if (verb === 'add' && typeof key === 'string') {
      jails.set(jail, {
        backend: key,
        settings: new Map(),
        ignoreip: [],
        logpaths: [],
        actions: [],
        actionSettings: new Map(),
      });
      continue;
    }
    const entry = jails.get(jail);
    if (verb === 'multi-set' && entry && key === 'action' && typeof args[0] === 'string' && Array.isArray(args[1])) {
      const pairs = args[1].filter((pair): pair is [string, string] => Array.isArray(pair) && pair.length === 2);
      const properties = entry.actionSettings.get(args[0]) ?? new Map<string, string>();
      for (const [name, value] of pairs) properties.set(String(name), String(value));
      entry.actionSettings.set(args[0], properties);
      continue;
    }
    if (verb !== 'set' || !entry || typeof key !== 'string') continue;
    if (key === 'addignoreip') entry.ignoreip.push(...args.map(String));
    else if (key === 'addlogpath' && typeof args[0] === 'string') entry.logpaths.push(args[0]);
    else if (key === 'addaction' && typeof args[0] === 'string') entry.actions.push(args[0]);
    else if (args.length === 1) entry.settings.set(key, args[0]!);
  }
  return new Map([...jails].map(([name, jail]) => [name, { name, ...jail }]));
}

/**
 * The installed fail2ban's version (`fail2ban-client --version`: `Fail2Ban v1.0.2`), the text its jail reader adds to
 * the defaults as `fail2ban_version`; null when fail2ban-client is missing or says something else.
 */
export async function installedFail2banVersion(timeoutMs = 15_000): Promise<string | null> {
  try {
    const execa = await loadExeca();
    const { stdout } = await execa('fail2ban-client', ['--version'], { timeout: timeoutMs, stdin: 'ignore' });
    return /^Fail2Ban v(\S+)$/m.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}
