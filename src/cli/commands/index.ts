import type { Command } from '../command.js';
import { auditCommand } from './audit.js';
import { checkCommand } from './check.js';
import { parseCommand } from './parse.js';
import { recordCommand } from './record.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { simulateCommand } from './simulate.js';
import { statusCommand } from './status.js';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  parseCommand,
  replayCommand,
  auditCommand,
  runCommand,
  statusCommand,
  checkCommand,
  recordCommand,
  simulateCommand,
];
