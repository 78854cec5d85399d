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

/**
 * A second stop signal, while the first is still being carried out, ends the process at once (an operator's second
 * Ctrl-C, systemd's SIGKILL aside): by the signal during the start, with the status a shell shows once running. The
 * signals are emitted to the listeners (process.emit), and process.kill and process.exit recorded, on fake timers:
 * real ones would end the test's own process.
 */
describe('a second SIGTERM or SIGINT', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    for (const signal of SIGNALS) process.removeAllListeners(signal);
  });

  function recordExits() {
    vi.useFakeTimers();
    const killed: unknown[] = [];
    const exits: unknown[] = [];
    vi.spyOn(process, 'kill').mockImplementation((_pid, signal) => {
      killed.push(signal);
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      exits.push(code);
    }) as never);
    return { killed, exits };
  }

  it('during the start ends the process by that signal at once, not at the deadline', () => {
    const { killed, exits } = recordExits();
    holdSignals(log);
    process.emit('SIGTERM', 'SIGTERM');
    expect(killed).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    expect(killed).toEqual(['SIGINT']);
    // Should another listener keep the signal from ending it: the status a shell shows for it.
    vi.advanceTimersByTime(1000);
    expect(exits).toEqual([130]);
  });

  it('while a stop is under way exits at once, 143 for SIGTERM and 130 for SIGINT', () => {
    const { exits } = recordExits();
    const calls: string[] = [];
    const hanging = { stop: () => new Promise<void>(() => calls.push('stop')), reload: async () => {} };
    void runUntilSignalled(hanging, log);
    process.emit('SIGTERM', 'SIGTERM');
    expect(calls).toEqual(['stop']);
    expect(exits).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([130, 143]);
  });
});
