import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { bundleCli } from '../helpers/bundle-cli.js';
import { fastTempDir, mountSmallDisk, runService, type ServiceProcess, setUpServiceDir, tempDir } from './helpers.js';

/** What a test file of the bundled service asks of its set-up (bundledSuite). */
export interface SuiteOptions {
  /** On tmpfs where there is one (fastTempDir), for files that write large logs at once. */
  readonly fast?: boolean;
  /** Lays out the directory for serviceFiles with these configuration lines (setUpServiceDir). */
  readonly config?: readonly string[];
  /** Mounts a real 256 kB tmpfs at `disk` under this name (mountSmallDisk), unmounted at the end. */
  readonly smallDisk?: string;
}

/** A test file's directory, its bundle of the program and the services it started. */
export interface BundledSuite {
  readonly dir: string;
  /** `dir/disk`: the small tmpfs when `smallDisk` was asked for. */
  readonly disk: string;
  /** The bundled program (bundleCli); empty until beforeAll has run. */
  readonly bundle: string;
  /** `f2b-campaign run ARGS` (runService), killed at the end of the file whatever happened. */
  start(args: readonly string[], out: string, options?: Parameters<typeof runService>[3]): ServiceProcess;
}

/**
 * The set-up every test file of the bundled service shares: a temporary directory, the program bundled once before
 * its tests, and every service it started killed after them. A failed assertion otherwise leaves a service running,
 * and one left on a small tmpfs keeps it from being unmounted. The hooks are registered where this is called, so a
 * file's own beforeAll, registered after it, finds the bundle built.
 */
export function bundledSuite(name: string, options: SuiteOptions = {}): BundledSuite {
  const temp = options.fast === true ? fastTempDir(name) : tempDir(name);
  const disk = join(temp.dir, 'disk');
  const started: ServiceProcess[] = [];
  let bundle = '';
  let unmount = () => {};

  beforeAll(async () => {
    bundle = await bundleCli(temp.dir);
    if (options.config !== undefined) setUpServiceDir(temp.dir, options.config);
    if (options.smallDisk !== undefined) unmount = mountSmallDisk(disk, options.smallDisk);
  }, 60_000);

  afterAll(async () => {
    for (const run of started) run.child.kill('SIGKILL');
    await Promise.all(started.map((run) => run.ended));
    unmount();
    temp.cleanup();
  });

  return {
    dir: temp.dir,
    disk,
    get bundle() {
      return bundle;
    },
    start(args, out, runOptions) {
      const run = runService(bundle, args, out, runOptions);
      started.push(run);
      return run;
    },
  };
}

/** A full-disk test file's set-up (fullDiskSuite). */
export interface FullDiskSuite extends BundledSuite {
  /** `dir/auth.log`: the log the service follows, on the test's own file system. */
  readonly log: string;
  /** `disk/verdicts.log`: the verdict log on the small disk, where a test wants it full. */
  readonly verdicts: string;
}

/**
 * The full-disk tests' set-up: a real 256 kB tmpfs at `disk` (named `f2b-test-NAME`), and a sample and a state save
 * every second, so that a test sees writes fail within seconds of filling the disk.
 */
export function fullDiskSuite(name: string): FullDiskSuite {
  const suite = bundledSuite(name, {
    config: ['sample_interval = 1s', 'state_interval = 1s'],
    smallDisk: `f2b-test-${name}`,
  });
  // Added to the suite, not spread into a copy: a copy would read `bundle` now, before it is built.
  return Object.assign(suite, { log: join(suite.dir, 'auth.log'), verdicts: join(suite.disk, 'verdicts.log') });
}
