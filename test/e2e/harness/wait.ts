import type { Started } from './processes.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** A program whose exit means the wait is hopeless: fail at once and say so. */
  readonly process?: Started;
}

/** Polls `check` until it returns a truthy value; throws naming what was awaited when time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | string | undefined;
  void options.process?.exited.then((code) => {
    exited = code;
  });
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (exited !== undefined) {
      throw new Error(
        `e2e: gave up waiting for ${what}: ${options.process?.name} exited (${exited}), see ${options.process?.outputFile}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`e2e: timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.intervalMs ?? 100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
