import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, transferables } from '../../src/replay/event-batch.js';
import { parseLog } from '../../src/replay/parse-in-worker.js';
import { IN_FLIGHT, type ParseMessage, runParseJob } from '../../src/replay/parse-worker.js';

/**
 * The channel between replay's two threads, driven from this one: the parser's loop (runParseJob) on one end, the
 * detector's reader (parseLog) or the test on the other.
 */
const dir = mkdtempSync(join(tmpdir(), 'f2b-channel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once `ready()` holds, checked after each message the test's end of the channel gets. */
function until(port: MessagePort, ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (ready()) return resolve();
    const check = () => {
      if (!ready()) return;
      port.off('message', check);
      resolve();
    };
    port.on('message', check);
  });
}

describe("the parser thread's loop", () => {
  it('posts at most IN_FLIGHT batches ahead of the detector, then one per batch taken', async () => {
    // ~80 batches of events: without the bound a parser faster than the detector queues the whole log in memory.
    const log = join(dir, 'many.log');
    const lines = Array.from(
      { length: 60_000 },
      (_, i) => `Jan  1 00:00:00 h sshd[${i}]: Invalid user u${i % 7} from 198.51.100.${i % 200} port ${1000 + i}`,
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { port1, port2 } = new MessageChannel();
    const received: ParseMessage[] = [];
    port2.on('message', (message: ParseMessage) => received.push(message));
    const job = runParseJob({
      role: 'f2b-campaign-parse',
      port: port1,
      files: [{ path: log, mtime: Date.UTC(2026, 0, 1, 12) }],
      headerless: false,
    });
    await until(port2, () => received.length >= IN_FLIGHT);
    // No credit given: however long it is left, the parser waits (one that did not posts the rest meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(received).toHaveLength(IN_FLIGHT);
    // The detector takes a batch: one more comes, no more.
    port2.postMessage(0);
    await until(port2, () => received.length > IN_FLIGHT);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(IN_FLIGHT + 1);
    // Then every batch, as the detector takes them, and the statistics last.
    while (!('done' in received.at(-1)!)) {
      const had = received.length;
      port2.postMessage(0);
      await until(port2, () => received.length > had);
    }
    await job;
    const batches = received.filter((m): m is { batch: ReturnType<typeof encodeBatch> } => 'batch' in m);
    expect(batches.length).toBeGreaterThan(2 * IN_FLIGHT);
    expect(batches.reduce((n, m) => n + decodeBatch(m.batch).length, 0)).toBe(60_000);
    expect((received.at(-1) as { done: { events: number } }).done.events).toBe(60_000);
    port2.close();
  }, 30_000);
});

describe("the detector's reader of the parser thread's batches", () => {
  it('fails, naming the log, when the channel closes before the statistics: a log cut short is no whole replay', async () => {
    const { port1, port2 } = new MessageChannel();
    const batch = encodeBatch([
      { time: 1, kind: 'failure', reason: 'failed-password', ip: '203.0.113.9', bannable: true, count: 1 },
    ]);
    port1.postMessage({ batch } satisfies ParseMessage, transferables(batch));
    port1.close();
    const parsed = parseLog({ files: [{ path: '/var/log/auth.log', mtime: 0 }], headerless: false }, port2);
    const sizes: number[] = [];
    const read = async () => {
      for await (const list of parsed.batches) sizes.push(list.length);
    };
    await expect(read()).rejects.toThrow('parsing /var/log/auth.log: the parser thread stopped');
    expect(sizes).toEqual([1]);
    expect(parsed.stats()).toBeUndefined();
  });
});
