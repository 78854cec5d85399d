import { Rng } from './rng.js';
import type { Ending, Role, Session, Step } from './session.js';

/** Accounts that exist on the simulated host: a failure for them is `Failed password for X`, not `invalid user`. */
const SYSTEM_ACCOUNTS = new Set(['root', 'deploy', 'svc-backup', 'postgres', 'git', 'www-data']);

type Planned = Omit<Session, 'pid' | 'port'>;

/**
 * Collects the connections of a scenario and who is who. Times are in ms; pids and source ports are given out at
 * the end in connection order, as sshd forks one process per connection.
 */
export class ScenarioBuilder {
  readonly rng: Rng;
  private readonly planned: Planned[] = [];
  readonly roles = new Map<string, Role>();
  private readonly users = new Set<string>(SYSTEM_ACCOUNTS);
  private readonly taken = new Set<string>();

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** Declares a local account (legitimate users): failures for it are not `invalid user`. */
  account(user: string): void {
    this.users.add(user);
  }

  /**
   * How many failures fail2ban's sshd filter counts for one failed try as `user`: two for a name that does not
   * exist here (its `Invalid user` line and its `Failed password for invalid user` line both match), one otherwise.
   */
  fail2banCost(user: string): number {
    return this.users.has(user) ? 1 : 2;
  }

  role(ip: string, role: Role): string {
    if (!this.roles.has(ip) || role === 'benign') this.roles.set(ip, role);
    return ip;
  }

  /** A fresh public-looking IPv4 address whose first octet is one of `firsts`. */
  address(firsts: readonly number[]): string {
    for (;;) {
      const ip = `${this.rng.pick(firsts)}.${this.rng.int(1, 254)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
      if (!this.taken.has(ip)) {
        this.taken.add(ip);
        return ip;
      }
    }
  }

  /** One connection with password attempts `gap` ms apart, closed `hold` ms after connecting. */
  attempts(ip: string, start: number, users: readonly string[], gap = 3000, hold = 8000): number {
    const steps: Step[] = users.map((user, i) => ({
      at: start + 2500 + i * gap,
      kind: this.users.has(user) ? 'fail' : 'fail-invalid',
      user,
    }));
    const end = Math.max(start + hold, steps[steps.length - 1]!.at + 500);
    this.add({ ip, start, end, steps, ending: 'closed-after-failures' });
    return steps[0]!.at;
  }

  /** A connection that leaves before authenticating. */
  probe(ip: string, start: number, hold: number, ending: Ending = 'probe-closed'): void {
    this.add({ ip, start, end: start + hold, steps: [], ending });
  }

  /** A real user: `failures` mistyped passwords (a few seconds apart) and then a login, in one connection. */
  login(ip: string, start: number, user: string, failures: number, method: 'password' | 'key', length: number): void {
    this.account(user);
    const steps: Step[] = [];
    let at = start + 1500;
    for (let i = 0; i < failures; i++) {
      steps.push({ at, kind: 'fail', user });
      at += this.rng.int(4000, 15000);
    }
    steps.push({ at, kind: method === 'key' ? 'accept-key' : 'accept-password', user });
    this.add({ ip, start, end: at + length, steps, ending: 'logout' });
  }

  private add(p: Planned): void {
    this.planned.push(p);
  }

  /** The sessions in connection order, with pids and ports. */
  sessions(): Session[] {
    const sorted = [...this.planned].sort((a, b) => a.start - b.start);
    let pid = 24_000 + this.rng.int(0, 999);
    return sorted.map((p) => {
      pid += this.rng.int(1, 9);
      if (pid > 4_000_000) pid = 1000;
      return { ...p, pid, port: this.rng.int(32_768, 60_999) };
    });
  }

  byRole(role: Role): string[] {
    return [...this.roles].filter(([, r]) => r === role).map(([ip]) => ip);
  }
}
