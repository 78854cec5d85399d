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
      try {
        const ips = [1, 2, 3, 4, 5].map((n) => `198.18.0.${n}`);
        for (const ip of ips) {
          writer.write(banVerdict(0, ip, 'c-rot', 'rhythm', [['match', 'open']]));
          f2b.rotate([f2b.verdictLog], how);
          await sleep(2000);
        }
        await f2b.waitFor('a ban for each of the five verdicts', () =>
          ips.every((ip) => f2b.banned().includes(`+${ip}\n`)),
        );
      } finally {
        clearInterval(timer);
        writer.close();
      }
      await sleep(1500);
      await f2b.stop();
      expect(await f2b.auditedMembers()).toEqual([1, 2, 3, 4, 5].map((n) => [`198.18.0.${n}`, ['banned']]));
    },
    120_000,
  );
});
