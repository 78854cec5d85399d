import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load-config.js';
import { replayScenario } from '../../simulate/replay-scenario.js';
import { findScenario, SCENARIOS } from '../../simulate/scenarios.js';
import { scoreTable } from '../../simulate/score.js';
import { writeScenario } from '../../simulate/write-scenario.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { outputDirectory } from '../output-directory.js';

const usage = `usage: f2b-campaign simulate --scenario NAME --out DIR [--seed N] [--check [--config FILE]]
       f2b-campaign simulate --list

Writes a simulated attack (or a benign day) as the files a server would have: DIR/auth.log (sshd lines as OpenSSH
writes them through rsyslog), DIR/sockets.trace (/proc/net/tcp samples) and DIR/truth.json (which addresses are
campaign members, benign users, lone scanners). Rehearse a set-up with:
  f2b-campaign replay --auth-log DIR/auth.log --sockets DIR/sockets.trace --config FILE

  --scenario NAME  one of the scenarios --list shows
  --out DIR        where to write (created if missing)
  --seed N         another draw of the same scenario (default 1)
  --check          also replay the files and print the score: recall, time to recognise, attempts let through,
                   benign sources banned (fail2ban's Debian defaults: maxretry 5, findtime 10m); exits 2 if a
                   benign source was banned
  --config FILE    with --check: take the [detection] and [alerts] sections from FILE`;

export const simulateCommand: Command = {
  name: 'simulate',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        scenario: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string', default: '1' },
        check: { type: 'boolean', default: false },
        config: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (values.list) {
      const width = Math.max(...SCENARIOS.map((s) => s.name.length));
      process.stdout.write(`${SCENARIOS.map((s) => `${s.name.padEnd(width)}  ${s.description}`).join('\n')}\n`);
      return 0;
    }
    if (values.scenario === undefined || values.out === undefined)
      throw new UsageError('expected --scenario and --out');
    const spec = findScenario(values.scenario);
    if (!spec) {
      throw new UsageError(
        `unknown scenario ${JSON.stringify(values.scenario)} (expected one of ${SCENARIOS.map((s) => s.name).join(', ')})`,
      );
    }
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 1)
      throw new UsageError(`--seed: expected a positive whole number, got ${JSON.stringify(values.seed)}`);
    if (values.config !== undefined && !values.check) throw new UsageError('--config is used only with --check');
    outputDirectory(values.out, '--out');
    const files = await writeScenario(spec, values.out, seed);
    process.stderr.write(
      `${spec.name}: ${files.lines} log lines -> ${files.authLog}, ${files.samples} samples -> ${files.sockets}, truth -> ${files.truth}\n`,
    );
    if (!values.check) return 0;
    const config = values.config === undefined ? null : loadConfig(values.config, true);
    const run = await replayScenario(files, config?.values.detection ?? {}, undefined, config?.values.alerts ?? {});
    process.stdout.write(`${scoreTable([run.score])}\n`);
    return run.score.benignBanned.length === 0 ? 0 : 2;
  },
};
