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

/** A test file's directory and its bundle of the program (bundledCliSuite). */
export interface BundledCliSuite {
  readonly dir: string;
  /** The bundled program, for a test that starts it itself (runService, spawn); empty until beforeAll has run. */
  readonly bundle: string;
  /** Runs the bundle (runCli()). */
  run(args: string[]): ReturnType<typeof runCli>;
}

/**
 * For a test file that runs the bundled CLI: a temporary directory named after `name`, the CLI bundled into it before
 * the file's tests and the directory removed after them (kept when F2B_KEEP_TMP is set, to look into after a
 * failure). The hooks are registered where this is called: a file's own beforeAll, registered after it, finds the
 * bundle built, and a file's own afterAll, registered after it, runs before the directory goes.
 */
export function bundledCliSuite(name: string): BundledCliSuite {
  const t = tempDir(name);
  let bundle = '';
  beforeAll(async () => {
    bundle = await bundleCli(t.dir);
  }, 60_000);
  afterAll(() => {
    if (!process.env['F2B_KEEP_TMP']) t.cleanup();
  });
  return {
    dir: t.dir,
    get bundle() {
      return bundle;
    },
    run: (args) => runCli(bundle, args),
  };
}
