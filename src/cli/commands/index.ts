import { holdSignalsEarly } from '../../service/signals.js';
import type { Command } from '../command.js';

/**
 * A subcommand as `f2b-campaign --help` lists it. Its module is imported when the command runs or shows its usage,
 * not at every start: the bundle is split at these imports (scripts/bundle-options.mjs), so a command loads its own
 * code, npm modules and node modules only. With every command loaded at the start, `--version` took 0.14 s and
 * 50.6 MB, and a 1,000-line replay 0.25 s and 70 MB; loaded this way, 0.09 s and 43.8 MB, 0.23 s and 66 MB.
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for `f2b-campaign --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'parse',
    summary: 'show the events f2b-campaign reads from an sshd log',
    load: async () => (await import('./parse.js')).parseCommand,
  },
  {
    name: 'replay',
    summary: 'run the detector over a recorded sshd log (and socket trace), writing verdicts',
    load: async () => (await import('./replay.js')).replayCommand,
  },
  {
    name: 'audit',
    summary: 'report campaigns, bans fail2ban carried out or not (and why), and alerts, from the logs',
    load: async () => (await import('./audit.js')).auditCommand,
  },
  {
    name: 'run',
    summary: 'run the service: follow sshd, sample sockets, write verdicts for fail2ban',
    load: async () => {
      // From here, not once run.js is loaded: a SIGHUP while it loads ended the service (service/signals.ts).
      holdSignalsEarly();
      return (await import('./run.js')).runCommand;
    },
  },
  {
    name: 'status',
    summary: "show the running service's campaigns, counts and source health",
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'check',
    summary: 'validate the configuration and the fail2ban side; non-zero exit on a problem',
    load: async () => (await import('./check.js')).checkCommand,
  },
  {
    name: 'record',
    summary: 'record /proc/net/tcp{,6} to a socket trace file for replay',
    load: async () => (await import('./record.js')).recordCommand,
  },
  {
    name: 'simulate',
    summary: 'write a simulated campaign or benign day (sshd log, socket trace, truth) to rehearse with',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
];
