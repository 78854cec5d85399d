import { vi } from 'vitest';

/**
 * Runs a command in this process with what it writes to standard output and error kept (and not shown), both
 * restored afterwards, whether it returns or throws.
 */
export async function captured<T>(run: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const keep = (stream: 'stdout' | 'stderr') =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk) => {
      out[stream] += String(chunk);
      return true;
    });
  const spies = [keep('stdout'), keep('stderr')];
  try {
    const result = await run();
    return { result, ...out };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
