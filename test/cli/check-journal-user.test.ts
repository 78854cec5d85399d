import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

/**
 * `check` run by a user who is not root judges that user (as for the state directory): one in neither
 * systemd-journal nor adm reads only their own journal entries, so journalctl found none of sshd's and `check` said
 * only "fine on a new host", while `run` as that user would follow an empty journal without a word (found in
 * review). The bundled program as `nobody` (setpriv); the fake journalctl holds an sshd entry, as a journal that user
 * cannot see would for root.
 */
const t = bundledCliSuite('check-journal-user');
beforeAll(() => {
  chmodSync(t.dir, 0o755);
});

describe('check, for the journal, run by a user who is not root', () => {
  it.skipIf(process.getuid?.() !== 0)('fails when that user is in neither systemd-journal nor adm', () => {
    const journal = join(t.dir, 'journal.json');
    writeFileSync(
      journal,
      `${JSON.stringify({ __CURSOR: 'c1', __REALTIME_TIMESTAMP: '1', SYSLOG_IDENTIFIER: 'sshd', _TRANSPORT: 'syslog', MESSAGE: 'Server listening on 0.0.0.0 port 22.' })}\n`,
    );
    chmodSync(journal, 0o644);
    const config = join(t.dir, 'f2b-campaign.conf');
    const journalctl = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
    writeFileSync(config, `[service]\nsource = journal\njournalctl = ${journalctl}\nstate_dir = ${t.dir}/state\n`);
    chmodSync(config, 0o644);
    let out = '';
    try {
      out = execFileSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, t.bundle, 'check', '--config', config],
        { encoding: 'utf8', env: { ...process.env, F2B_FAKE_JOURNAL: journal } },
      );
    } catch (error) {
      out = (error as { stdout: string }).stdout; // other checks fail too (no fail2ban jail here)
    }
    const input = out.split('\n').filter((line) => /^\w+\s+input:/.test(line));
    expect(input[0]).toMatch(/^error\s+input: this user nobody is in none of the groups systemd-journal, adm/);
  });
});
