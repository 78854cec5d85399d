import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { journalArgs, newestEntryArgs } from '../../src/sources/journal-args.js';
import { compareJournalPlaces, journalPlace } from '../../src/sources/journal-cursor.js';
import type { JournalEntry } from '../../src/sources/journal-entry.js';
import { newestJournalCursor } from '../../src/sources/journal-newest.js';
import { JournalSource } from '../../src/sources/journal-source.js';
import { tempDir, waitFor } from '../service/helpers.js';

/**
 * What the journal check (src/service/journal-check.ts) asks of the journal: the newest of the follower's entries,
 * from journalctl run once (here the fake test/bin/journalctl), and whether the follower has read it, in the
 * journal's order as journald's cursors give it.
 */
const FAKE = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
const t = tempDir('journal-newest');
afterAll(t.cleanup);
const journal = join(t.dir, 'journal.json');
const MACHINE = '0123456789abcdef0123456789abcdef';
const env = { F2B_FAKE_JOURNAL: journal, F2B_FAKE_MACHINE_ID: MACHINE };
Object.assign(process.env, env);

const SEQ = 'a'.repeat(32);
const BOOT = 'b'.repeat(32);
/** A cursor in journald's form. */
const cursor = (i: number, { seq = SEQ, boot = BOOT, m = i, t = 1_795_000_000_000_000 + i, x = i } = {}) =>
  `s=${seq};i=${i.toString(16)};b=${boot};m=${m.toString(16)};t=${t.toString(16)};x=${x.toString(16)}`;

function entry(i: number, fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify({
    __CURSOR: cursor(i),
    __REALTIME_TIMESTAMP: String(1_795_000_000_000_000 + i),
    SYSLOG_IDENTIFIER: 'sshd',
    _TRANSPORT: 'syslog',
    _UID: '0',
    MESSAGE: `Failed password for root from 203.0.113.${i} port 22 ssh2`,
    ...fields,
  })}\n`;
}

describe('the newest entry the journal follower reads', () => {
  it("is asked for with the follower's own matches, without --follow, the last entry only", () => {
    const options = { identifiers: ['sshd'], machineId: MACHINE };
    const follow = journalArgs({ ...options, cursor: 'c' });
    const once = newestEntryArgs(options);
    expect(once).not.toContain('--follow');
    expect(once).toContain('--lines=1');
    // The same matches, in the same order: the same entries.
    const matches = (args: string[]) =>
      args.filter((a) => a === '--merge' || a.startsWith('--identifier') || /^[A-Z_]+=/.test(a));
    expect(matches(once)).toEqual(matches(follow));
    expect(matches(once)).toEqual(['--merge', `_MACHINE_ID=${MACHINE}`, '--identifier=sshd', '_TRANSPORT=syslog']);
  });

  it("is the last of sshd's syslog entries, whatever comes after it", async () => {
    writeFileSync(
      journal,
      entry(1) +
        entry(2) +
        entry(3, { SYSLOG_IDENTIFIER: 'cron' }) +
        entry(4, { _TRANSPORT: 'stdout' }) +
        entry(5, { _MACHINE_ID: 'f'.repeat(32) }),
    );
    expect(await newestJournalCursor({ command: FAKE, machineId: MACHINE, timeoutMs: 10_000 })).toBe(cursor(2));
    writeFileSync(journal, entry(3, { SYSLOG_IDENTIFIER: 'cron' }));
    expect(await newestJournalCursor({ command: FAKE, machineId: MACHINE, timeoutMs: 10_000 })).toBeNull();
  });

  it("fails with journalctl's message when it fails, and when it takes too long", async () => {
    const ask = (command: string, timeoutMs = 10_000) => newestJournalCursor({ command, machineId: null, timeoutMs });
    await expect(ask(join(t.dir, 'no-such-journalctl'))).rejects.toThrow(/no-such-journalctl/);
    const script = (name: string, body: string) => {
      writeFileSync(join(t.dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(t.dir, name), 0o755);
      return join(t.dir, name);
    };
    await expect(ask(script('broken', 'echo "Failed to open journal" >&2; exit 1'))).rejects.toThrow(
      /exited with code 1: Failed to open journal/,
    );
    await expect(ask(script('stuck', 'exec sleep 30'), 300)).rejects.toThrow(/gave no answer in 300 ms/);
    await expect(ask(script('garbled', 'echo "{\\"MESSAGE\\":\\"x\\"}"'))).rejects.toThrow(/no entry with a cursor/);
  });
});

describe("journald's cursors in the journal's order", () => {
  it('orders by sequence number in one sequence, by monotonic time in one boot, else by the wall clock', () => {
    const cmp = (a: string, b: string) => Math.sign(compareJournalPlaces(journalPlace(a)!, journalPlace(b)!));
    expect(cmp(cursor(0x10), cursor(0x9))).toBe(1);
    expect(cmp(cursor(0x9), cursor(0x9))).toBe(0);
    // Another sequence (journald's files started anew), same boot: monotonic time.
    expect(cmp(cursor(1, { seq: 'c'.repeat(32), m: 500 }), cursor(9, { m: 400 }))).toBe(1);
    // Another sequence and another boot: the wall clock.
    expect(cmp(cursor(1, { seq: 'c'.repeat(32), boot: 'd'.repeat(32), t: 9 }), cursor(9, { t: 10 }))).toBe(-1);
  });

  it("reads only cursors of journald's form", () => {
    expect(journalPlace(cursor(0xffff))).toMatchObject({ seqnum: 0xffffn, seqnumId: SEQ, bootId: BOOT });
    expect(journalPlace('s=live;i=1f')).toBeNull();
    expect(journalPlace(`s=f2be2e;i=${'e'.repeat(32)}`)).toBeNull();
  });
});

describe('whether the follower has read an entry', () => {
  async function follow(options: { startAt: 'start' | 'end'; since?: number }) {
    const got: JournalEntry[] = [];
    const source = new JournalSource({
      command: FAKE,
      cursor: null,
      machineId: MACHINE,
      ...options,
      onEntry: (e) => got.push(e),
      onError: (e) => {
        throw e;
      },
    });
    await source.start();
    return { source, got };
  }

  it('is true once it has read the entry or one after it, passed-over entries included', async () => {
    writeFileSync(journal, entry(1) + entry(2));
    const { source, got } = await follow({ startAt: 'start' });
    expect(source.hasRead(cursor(1)), 'nothing read yet').toBe(false);
    await waitFor(() => got.length === 2, 10_000, 'two entries');
    expect([source.hasRead(cursor(1)), source.hasRead(cursor(2)), source.hasRead(cursor(3))]).toEqual([
      true,
      true,
      false,
    ]);
    // Another user's entry under sshd's name, and one with no message: not taken, but read.
    appendFileSync(journal, entry(3, { _UID: '1000' }) + entry(4, { MESSAGE: null }));
    await waitFor(() => source.hasRead(cursor(4)), 10_000, 'the entries passed over');
    expect(got).toHaveLength(2);
    await source.stop();
  });

  it('with nothing read yet, counts entries from before where it began as not its own', async () => {
    writeFileSync(journal, entry(1));
    const { source: fromEnd } = await follow({ startAt: 'end' });
    expect(fromEnd.hasRead(cursor(1, { t: Date.now() * 1000 - 5_000_000 }))).toBe(true);
    expect(fromEnd.hasRead(cursor(1, { t: Date.now() * 1000 + 5_000_000 }))).toBe(false);
    await fromEnd.stop();
    const since = 1_795_000_100_500;
    const { source: fromSince } = await follow({ startAt: 'end', since });
    expect(fromSince.hasRead(cursor(1, { t: 1_795_000_099_999_999 }))).toBe(true);
    // --since takes whole seconds, but what came in that second before `since` is passed over: not its own either.
    expect(fromSince.hasRead(cursor(1, { t: 1_795_000_100_499_999 }))).toBe(true);
    expect(fromSince.hasRead(cursor(1, { t: 1_795_000_100_500_000 }))).toBe(false);
    await fromSince.stop();
  });
});
