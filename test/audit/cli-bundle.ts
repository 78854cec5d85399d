import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles the CLI from src/ into `dir` the way scripts/bundle.mjs does, so the test runs the real program without
 * depending on (or racing) a shared `npm run build`.
 */
export async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, 'f2b-campaign.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts')],
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

/** Runs the bundled CLI; resolves with its exit code and output whatever the code. */
export async function runCli(
  bundle: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bundle, ...args], {
      maxBuffer: 64 << 20,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
