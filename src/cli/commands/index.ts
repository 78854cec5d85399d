import type { Command } from '../command.js';
import { auditCommand } from './audit.js';
import { parseCommand } from './parse.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [parseCommand, replayCommand, auditCommand, runCommand];
