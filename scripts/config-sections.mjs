// The configuration key registry (src/config/sections) for build-time generators: docs/configuration.md
// (scripts/gen-conf.mjs) and the shipped commented conffile (debian/gen-conf.mjs). The TypeScript is bundled in
// memory with esbuild and imported from a data: URL, so no prior build and no TypeScript loader are needed.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bundled = await build({
  entryPoints: [fileURLToPath(new URL('../src/config/sections/index.ts', import.meta.url))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'silent',
});

/** Every section with its key specs, as the program itself has them. */
export const { SECTIONS } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
);

const UNITS = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds as the largest whole unit the config accepts back (`10m`, `2d`). */
export function duration(ms) {
  if (ms === 0) return '0s';
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
