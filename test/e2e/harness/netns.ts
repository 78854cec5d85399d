import { execFileSync } from 'node:child_process';

/**
 * A network namespace made for one test run: its own loopback, its own port space, its own nftables ruleset and
 * its own /proc/net/tcp. Everything that listens, connects or bans runs inside it, so the host's firewall and
 * network are never touched.
 */
export class Netns {
  readonly name: string;
  private deleted = false;

  private constructor(name: string) {
    this.name = name;
  }

  /** Creates the namespace with loopback up; throws a message naming the missing capability when it cannot. */
  static create(prefix: string): Netns {
    const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
    try {
      execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `e2e: cannot create a network namespace (\`ip netns add ${name}\` failed: ${stderrOf(error)}). ` +
          'This test needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN and iproute2; it does not skip itself, ' +
          'because a skipped acceptance test would pass silently.',
      );
    }
    const ns = new Netns(name);
    try {
      ns.run(['ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      ns.delete();
      throw new Error(`e2e: namespace ${name} was created but loopback cannot be brought up: ${stderrOf(error)}`);
    }
    return ns;
  }

  /** The argv prefix that runs a command inside the namespace (`ip netns exec` execs it: the pid is the program's). */
  wrap(argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }

  /** Runs a short command inside the namespace and returns its stdout; throws with its stderr on failure. */
  run(argv: readonly string[], input?: string): string {
    const [cmd, ...args] = this.wrap(argv);
    return execFileSync(cmd!, args, { encoding: 'utf8', stdio: 'pipe', input: input ?? '' });
  }

  /** Deletes the namespace; safe to call twice and after a failed set-up. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      execFileSync('ip', ['netns', 'delete', this.name], { stdio: 'pipe' });
    } catch {
      // Already gone (or never fully made): nothing left to clean.
    }
  }
}

export function stderrOf(error: unknown): string {
  const e = error as { stderr?: Buffer | string; message?: string };
  const text = e.stderr ? String(e.stderr).trim() : '';
  return text || e.message || String(error);
}
