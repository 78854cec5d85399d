import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressBlock, addressesOf, shapeFor } from './campaign-plan.js';
import { type Fail2ban, startFail2ban } from './fail2ban.js';
import { type Journald, startJournald } from './journald.js';
import { Netns } from './netns.js';
import { preflight } from './preflight.js';
import { ProcessSet, type Started } from './processes.js';
import { startSshd } from './sshd.js';
import { type Syslog, startSyslog } from './syslog.js';
import { createTestUser, deleteTestUser, type TestUser } from './test-user.js';

/** Everything one e2e run starts; `teardown` undoes all of it, whatever stage set-up reached. */
export interface Environment {
  readonly block: AddressBlock;
  readonly dir: string;
  readonly netns: Netns;
  readonly processes: ProcessSet;
  readonly user: TestUser;
  /** Where sshd logs: rsyslogd writing auth.log, or journald (Debian 12 without rsyslog). */
  readonly sshdLog: Syslog | Journald;
  readonly sshd: Started;
  readonly fail2ban: Fail2ban;
  readonly verdictLog: string;
  teardown(options?: { keepDir?: boolean }): Promise<void>;
}

/**
 * Builds the namespace (with `block`'s addresses), the user, rsyslogd or journald (`logging`), sshd and
 * fail2ban-server, in that order. If a step fails, what was made is removed before the error is rethrown. A synchronous exit hook removes the namespace and the user even when
 * the test process is interrupted before its afterAll runs.
 */
export async function setUpEnvironment(
  prefix: string,
  block: AddressBlock,
  logging: 'rsyslog' | 'journald' = 'rsyslog',
): Promise<Environment> {
  preflight();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  // sshd reads the authorized keys as the test user: the directory must be traversable.
  chmodSync(dir, 0o755);
  const processes = new ProcessSet();
  let netns: Netns | undefined;
  let user: TestUser | undefined;
  const emergency = (): void => {
    processes.killAllNow();
    netns?.delete();
    deleteTestUser(user);
  };
  process.once('exit', emergency);
  const teardown = async (options: { keepDir?: boolean } = {}): Promise<void> => {
    await processes.stopAll();
    netns?.delete();
    deleteTestUser(user);
    process.removeListener('exit', emergency);
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    netns = Netns.create(prefix);
    // A prefix on the loopback interface is local as a whole: every address of it can be bound.
    for (const prefix of addressesOf(shapeFor(block)).prefixes) netns.run(['ip', 'addr', 'add', prefix, 'dev', 'lo']);
    user = createTestUser(dir);
    const sshdLog = logging === 'journald' ? await startJournald(dir, processes) : await startSyslog(dir, processes);
    const sshd = await startSshd({ dir, netns, processes, user, log: sshdLog });
    const verdictLog = join(dir, 'verdicts.log');
    writeFileSync(verdictLog, '');
    const fail2ban = await startFail2ban({ dir, netns, processes, sshdLog, verdictLog, block });
    return { block, dir, netns, processes, user, sshdLog, sshd, fail2ban, verdictLog, teardown };
  } catch (error) {
    await teardown({ keepDir: true });
    throw new Error(`${(error as Error).message}\n(e2e files kept in ${dir})`, { cause: error });
  }
}
