// The one definition of how the program is bundled: by `npm run build` (scripts/bundle.mjs) and by tests that
// bundle the CLI into a temp directory to run the shipped program shape without racing a shared build.
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * esbuild options that bundle src/cli/main.ts into the ESM file `outfile` for Node 18.19, and beside it the parser
 * thread of `replay` (src/replay/parse-entry.ts) into f2b-campaign-parser.mjs, which the program finds there. The
 * code is split at its dynamic imports (each command, execa) into `chunks/` beside them, which each loads when it
 * needs them: a command no longer loads the others' npm modules and node modules (src/cli/commands/index.ts).
 */
export function bundleOptions(outfile) {
  const source = (path) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));
  return {
    entryPoints: {
      [basename(outfile, '.mjs')]: source('cli/main.ts'),
      'f2b-campaign-parser': source('replay/parse-entry.ts'),
    },
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node18.19',
    format: 'esm',
    legalComments: 'none',
    // CommonJS dependencies (execa's cross-spawn, pino's helpers) call require(); an ESM bundle has none.
    banner: {
      js: "import { createRequire as __f2bCreateRequire } from 'node:module'; const require = __f2bCreateRequire(import.meta.url);",
    },
  };
}
