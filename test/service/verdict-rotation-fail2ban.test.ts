import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { Fail2banServer } from '../audit/fail2ban-server.js';
import { removeTempDir, tempDir } from '../audit/log-writers.js';
import { memoryLogger, sleep } from './helpers.js';

const dir = tempDir('rotation');
const f2b = new Fail2banServer(dir);

afterAll(async () => {
  await f2b.dispose();
  removeTempDir(dir);
});

// Found in review: a BAN line written in the second before logrotate renamed the verdict log was never banned.
// fail2ban's polling backend reopens the path by name every second and starts the new file at byte 0; the unread
// tail of the renamed file it never reads. The writer now writes its last seconds of BAN lines into the new file.
describe('verdict log rotation with a real fail2ban-server (polling backend, bundled jail)', () => {
  it('bans a BAN line written just before logrotate renamed the file, and the audit counts the verdict once', async () => {
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
        f2b.rotate([f2b.verdictLog]);
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
  }, 120_000);
});
