// Writes a real campaign (the simulator's `waves` shape: 47 sources, 3 attempts each, all under fail2ban's
// maxretry) as the sshd lines rsyslog would put in auth.log, and its members, for the package test:
//   node test/package/campaign-log.mjs AUTH_LINES_FILE MEMBERS_FILE
// Log time starts 10 minutes ahead of the wall clock, as in the live-service test: the service's wall-clock
// housekeeping then never ends the campaign while its lines are still being read.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = `
import { waves } from './src/simulate/attack-shapes.ts';
import { ScenarioBuilder } from './src/simulate/scenario-builder.ts';
import { sessionLines } from './src/simulate/sshd-lines.ts';
export function campaign(seed, start) {
  const b = new ScenarioBuilder(seed);
  waves(b, start);
  const lines = b.sessions().flatMap((s) => sessionLines(s)).sort((x, y) => x.time - y.time).map((l) => l.text);
  return { lines, members: b.byRole('member') };
}`;
const bundled = await build({
  stdin: { contents: entry, resolveDir: repo, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
});
const { campaign } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
);
const { lines, members } = campaign(20261122, Date.now() + 10 * 60_000);
writeFileSync(process.argv[2], `${lines.join('\n')}\n`);
writeFileSync(process.argv[3], `${members.join('\n')}\n`);
process.stdout.write(`${lines.length} lines, ${members.length} members\n`);
