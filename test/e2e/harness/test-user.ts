import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The legitimate user: a real account (sshd and PAM look it up with getpwnam and check the password against
 * /etc/shadow), with a key for normal logins and a password it can mistype. The name is unique per run so two
 * e2e files running at once do not collide; it is deleted at teardown.
 */
export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

export function createTestUser(dir: string): TestUser {
  const name = `f2be2e${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o755 });
  const password = `Pw-${randomBytes(12).toString('base64url')}`;
  execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/sh', name], { stdio: 'pipe' });
  execFileSync('chown', [name, home]);
  execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  const privateKey = join(dir, 'user_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privateKey], { stdio: 'pipe' });
  return { name, password, privateKey, publicKey: `${privateKey}.pub` };
}

export function deleteTestUser(user: TestUser | undefined): void {
  if (!user) return;
  try {
    execFileSync('userdel', [user.name], { stdio: 'pipe' });
  } catch {
    // Never created, or already removed.
  }
}
