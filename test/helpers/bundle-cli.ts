import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { tempDir } from '../service/helpers.js';

/** Bundles the CLI into `dir` exactly as `npm run build` does, so a test runs the shipped program shape. */
export async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, 'f2b-campaign.mjs');
  await build({ ...bundleOptions(outfile), logLevel: 'silent' });
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

/**
 * For a test file that runs the bundled CLI: a temporary directory named after `name`, the CLI bundled into it before
 * the file's tests and the directory removed after them. `run` runs the bundle (runCli()).
 */
export function bundledCliSuite(name: string): { dir: string; run: (args: string[]) => ReturnType<typeof runCli> } {
  const t = tempDir(name);
  let bundle = '';
  beforeAll(async () => {
    bundle = await bundleCli(t.dir);
  }, 60_000);
  afterAll(t.cleanup);
  return { dir: t.dir, run: (args) => runCli(bundle, args) };
}
