import { describe, expect, it } from 'vitest';
import { readFail2banThresholds } from '../../src/fail2ban/read-thresholds.js';
import { fail2banConfigCopies } from '../helpers/fail2ban-config.js';

const configDir = fail2banConfigCopies('r1');

describe('review r1: jail files', () => {
  it('%(known/ignoreip)s falls back to the final [DEFAULT], as fail2ban does (here [DEFAULT] comes later)', async () => {
    const dir = configDir({
      'jail.d/a-site.conf': '[sshd]\nignoreip = %(known/ignoreip)s 10.9.9.9\n',
      'jail.local': '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 192.0.2.0/24\n',
    });
    const client = await readFail2banThresholds({ configDir: dir });
    expect(client.ignoreip).toContain('192.0.2.0/24'); // fail2ban's own answer
    const files = await readFail2banThresholds({ configDir: dir, useClient: false });
    expect(files.ignoreip).toContain('192.0.2.0/24'); // fails: ['10.9.9.9', '127.0.0.1/8', '::1']
  });

  it('one unreadable entry in jail.d does not throw away every other file (fail2ban reads the rest)', async () => {
    const dir = configDir({ 'jail.local': '[DEFAULT]\nignoreip = 127.0.0.1/8 192.0.2.0/24\n' }, [
      'jail.d/broken.local',
    ]);
    const files = await readFail2banThresholds({ configDir: dir, useClient: false });
    expect(files.origin).toBe('jail-files'); // fails: 'defaults', with no warning
    expect(files.ignoreip).toContain('192.0.2.0/24');
  });
});
