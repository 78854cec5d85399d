import { readFileSync } from 'node:fs';
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

function server(): Fail2banServer {
  const f2b = new Fail2banServer(tempDir('rotation'));
  servers.push(f2b);
  return f2b;
}

/**
 * Each address a character shorter than the last, so that a copytruncate's file, refilled with the copy of the BAN
 * line written just before it, is shorter than what fail2ban had read (the previous line's copy), as it is whenever
 * the rotated file held more than the last 10 s of BAN lines. fail2ban (filter.py, FileContainer.open) notices the
 * truncation by the size falling below its position, or by the first line's hash, which it reads again only every
 * 30 s; with lines of one length (198.18.0.1 to .5), a refill as long as what it had read was taken for the file it
 * had read whenever its poll missed the instant the file was empty, before the service's check refilled it: the
 * line was never read (found under load: the test timed out; forced with a check right after the rotation, three of
 * the five were not banned). docs/service.md, "copytruncate", says what is left of that race.
 */
const ips = ['198.18.111.111', '198.18.11.111', '198.18.1.111', '198.18.1.11', '198.18.1.1'];

// Found in review: a BAN line written in the second before logrotate renamed the verdict log was never banned.
// fail2ban's polling backend reopens the path by name every second and starts the new file at byte 0; the unread
// tail of the renamed file it never reads. The writer now writes its last seconds of BAN lines into the new file.
describe('verdict log rotation with a real fail2ban-server (polling backend, bundled jail)', () => {
  // Found in review: with copytruncate (an admin's stanza) the file keeps its inode, and the writer repeated nothing.
  it.each(['create', 'copytruncate'] as const)(
    'bans a BAN line written just before logrotate (%s) rotated the file, and the audit counts the verdict once',
    async (how) => {
      const f2b = server();
      f2b.configure();
      readFileSync('/etc/fail2ban/jail.conf'); // fail2ban is installed
      const { log } = memoryLogger();
      const writer = new VerdictWriter({ path: f2b.verdictLog, log });
      await f2b.start();
      // As the service does: check the path every second.
      const timer = setInterval(() => writer.check(), 1000);
      const banned = (ip: string) => f2b.banned().includes(`+${ip}\n`);
      try {
        for (const [i, ip] of ips.entries()) {
          // fail2ban has read the line before (the previous line's copy, all the file holds after a copytruncate),
          // as it has read a whole day's lines when logrotate runs; see ips below.
          if (i > 0) await f2b.waitFor(`the ban of ${ips[i - 1]}`, () => banned(ips[i - 1]!));
          writer.write(
            banVerdict(0, ip, 'c-rot', 'rhythm', [
              ['match', 'open'],
              ['attempts', 2],
              ['probes', 0],
            ]),
          );
          f2b.rotate([f2b.verdictLog], how);
          await sleep(2000);
        }
        await f2b.waitFor('a ban for each of the five verdicts', () => ips.every(banned));
      } finally {
        clearInterval(timer);
        writer.close();
      }
      await sleep(1500);
      await f2b.stop();
      expect(await f2b.auditedMembers()).toEqual(ips.map((ip) => [ip, ['banned']]));
    },
    120_000,
  );
});
