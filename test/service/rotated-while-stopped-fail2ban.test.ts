import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { Fail2banServer } from '../audit/fail2ban-server.js';
import { removeTempDir, tempDir } from '../audit/log-writers.js';
import { memoryLogger, sleep } from './helpers.js';

const servers: Fail2banServer[] = [];
afterEach(async () => {
  for (const f2b of servers.splice(0)) {
    await f2b.dispose();
    removeTempDir(f2b.dir);
  }
});

// Found in session 19: the copies written after a rotation were kept in memory only. A service stopped right after
// writing, with logrotate run before it started again, lost the BAN lines fail2ban had not read yet.
describe('verdict log rotated while the service was stopped, with a real fail2ban-server (polling backend)', () => {
  // Found in review: with copytruncate (an admin's stanza) the start took the emptied file for the one it wrote.
  // Found in session 27: with `compress` and no `delaycompress` the copy is `.1.gz`, and nothing was written again.
  // Found in session 28: with `create`, the renamed file compressed at once (`.1.gz`), or renamed twice while
  // stopped (`.2` or `.2.gz`: logrotate's default `ifempty` rotates the empty new file too) repeated nothing.
  it.each([
    ['create', true, 1],
    ['copytruncate', true, 1],
    ['copytruncate', false, 1],
    ['create', false, 1],
    ['create', true, 2],
    ['create', false, 2],
  ] as const)(
    'bans a BAN line written just before the stop and logrotate (%s, delaycompress %s, %i times), and the audit counts the verdict once',
    async (how, delay, times) => {
      const f2b = new Fail2banServer(tempDir('stopped-rotation'));
      servers.push(f2b);
      f2b.configure();
      const { log } = memoryLogger();
      writeFileSync(f2b.verdictLog, ''); // fail2ban will not start a jail whose logpath is missing
      await f2b.start();
      const ips = [1, 2, 3].map((n) => `198.18.1.${n}`);
      const ban = (ip: string) =>
        banVerdict(0, ip, 'c-stop', 'rhythm', [
          ['match', 'open'],
          ['attempts', 2],
          ['probes', 0],
        ]);
      // A run that writes a verdict fail2ban reads, then two more just before it stops; logrotate runs at once (one
      // rotation: a second one within seconds can give the new file a freed inode, which fail2ban's own rotation
      // check does not always notice); then the next run starts.
      const run = new VerdictWriter({ path: f2b.verdictLog, log });
      run.write(ban(ips[0]!));
      await f2b.waitFor('the first ban', () => f2b.banned().includes(`+${ips[0]}\n`));
      const mark = run.mark();
      run.write(ban(ips[1]!));
      run.write(ban(ips[2]!));
      run.close();
      for (let i = 0; i < times; i++) f2b.rotate([f2b.verdictLog], how, delay);
      new VerdictWriter({ path: f2b.verdictLog, log, lastRun: mark }).close();
      await f2b.waitFor('a ban for each of the three verdicts', () =>
        ips.every((ip) => f2b.banned().includes(`+${ip}\n`)),
      );
      await sleep(1500);
      await f2b.stop();
      expect(await f2b.auditedMembers()).toEqual(ips.map((ip) => [ip, ['banned']]));
    },
    120_000,
  );
});
