// The configuration key registry (src/config/sections) for build-time generators: docs/configuration.md
// (scripts/gen-conf.mjs) and the shipped commented conffile (debian/gen-conf.mjs). The TypeScript is bundled in
// memory with esbuild and imported from a data: URL, so no prior build and no TypeScript loader are needed.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bundled = await build({
  stdin: {
    contents: "export { SECTIONS } from './sections/index.ts';\nexport { formatDuration } from './duration.ts';\n",
    resolveDir: fileURLToPath(new URL('../src/config/', import.meta.url)),
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'silent',
});

const program = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
);

/** Every section with its key specs, as the program itself has them. */
export const { SECTIONS } = program;

/** Milliseconds as the largest whole unit the config accepts back (`10m`, `2d`): the program's own formatDuration. */
export const duration = program.formatDuration;
