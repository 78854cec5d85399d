// The one definition of how the program is bundled: by `npm run build` (scripts/bundle.mjs) and by tests that
// bundle the CLI into a temp directory to run the shipped program shape without racing a shared build.
import { fileURLToPath } from 'node:url';

/** esbuild options that bundle src/cli/main.ts into one ESM file `outfile` for Node 18.19. */
export function bundleOptions(outfile) {
  return {
    entryPoints: [fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))],
    outfile,
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
