import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/service/logger.js';
import { holdSignals, runUntilSignalled } from '../../src/service/signals.js';

const SIGNALS: readonly string[] = ['SIGHUP', 'SIGTERM', 'SIGINT'];
const log = { warn: () => {}, error: () => {} } as unknown as Logger;

/** A service that records what it was asked to do. */
function recordingService() {
  const calls: string[] = [];
  const service = {
    stop: async () => {
      calls.push('stop');
    },
    reload: async () => {
      calls.push('reload');
    },
  };
  return { service, calls };
}

/** Real signals to this test process; resolved once node has run their listeners. */
async function send(signal: NodeJS.Signals): Promise<void> {
  process.kill(process.pid, signal);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the hand-over from the start’s signal hold to the running service', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    for (const signal of SIGNALS) process.removeAllListeners(signal);
  });

  // When a signal's last listener goes, node gives the signal back its default, which for these three ends the
  // process: a SIGHUP in that moment (a `systemctl reload`) would end the service, and systemd would not restart it.
  it('leaves no moment without a listener for SIGHUP, SIGTERM or SIGINT until exit, and does what was held', async () => {
    const bare: string[] = [];
    const remove = process.removeListener.bind(process);
    vi.spyOn(process, 'off').mockImplementation((event, listener) => {
      remove(event, listener);
      if (typeof event === 'string' && SIGNALS.includes(event) && process.listenerCount(event) === 0) bare.push(event);
      return process;
    });
    const { service, calls } = recordingService();
    const release = holdSignals(log);
    await send('SIGHUP');
    expect(calls).toEqual([]);
    const running = runUntilSignalled(service, log, release);
    // The held SIGHUP, then one to the running service.
    expect(calls).toEqual(['reload']);
    await send('SIGHUP');
    expect(calls).toEqual(['reload', 'reload']);
    for (const signal of SIGNALS) expect(process.listenerCount(signal)).toBe(1);
    await send('SIGTERM');
    expect(await running).toBe(0);
    // Stopped, the process still catches SIGHUP until it exits (run.ts exits right after), and reloads nothing.
    await send('SIGHUP');
    expect(calls).toEqual(['reload', 'reload', 'stop']);
    expect(bare).toEqual([]);
  });

  it('carries out a stop held during the start once running', async () => {
    const { service, calls } = recordingService();
    const release = holdSignals(log);
    await send('SIGHUP');
    await send('SIGTERM');
    expect(calls).toEqual([]);
    expect(await runUntilSignalled(service, log, release)).toBe(0);
    // The stop wins over the held reload: nothing is reloaded on the way out.
    expect(calls).toEqual(['stop']);
  });
});
