import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles the CLI exactly as scripts/bundle.mjs does, into `dir`, so a test runs the shipped program shape. */
export async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, 'f2b-campaign.mjs');
  await build({
    entryPoints: [join(REPO, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18.19',
    format: 'esm',
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __f2bCreateRequire } from 'node:module'; const require = __f2bCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}
