// Bundles the program into one ESM file for Node 18. CommonJS dependencies (execa's cross-spawn, pino's
// helpers) call require(); an ESM bundle has no require, so the banner provides one.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/f2b-campaign.mjs',
  bundle: true,
  platform: 'node',
  target: 'node18.19',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  banner: {
    js: "import { createRequire as __f2bCreateRequire } from 'node:module'; const require = __f2bCreateRequire(import.meta.url);",
  },
});
