import { STAFF } from './names.js';
import type { ScenarioBuilder } from './scenario-builder.js';

/**
 * The traffic that must never be banned (issue 3, "What must never be banned"), each as a function adding its
 * connections over [from, to). Every address is registered as `benign`.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Home-ISP-looking first octets for staff addresses. */
const HOME = [31, 46, 77, 81, 86, 88, 90, 109, 151, 176, 188, 212];

/** Working-hours login times (08:00-19:00 UTC of each day in range), `perDay` of them. */
function workdayTimes(b: ScenarioBuilder, from: number, to: number, perDay: number): number[] {
  const out: number[] = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
    for (let i = 0; i < perDay; i++) {
      const t = day + 8 * HOUR + b.rng.range(0, 11 * HOUR);
      if (t >= from && t < to) out.push(t);
    }
  }
  return out;
}

/** Users who sometimes mistype their password (1-3 failures, then success), each from their own address. */
export function mistypingUsers(b: ScenarioBuilder, from: number, to: number, users = 8): void {
  for (const user of STAFF.slice(0, users)) {
    const ip = b.role(b.address(HOME), 'benign');
    for (const t of workdayTimes(b, from, to, b.rng.int(3, 6))) {
      const failures = b.rng.chance(0.35) ? b.rng.int(1, 3) : 0;
      b.login(ip, t, user, failures, 'password', b.rng.int(60_000, 3 * HOUR));
    }
  }
}

/** One address shared by many users (an office behind NAT, or a carrier's CGNAT address). */
export function sharedAddress(b: ScenarioBuilder, from: number, to: number, users: number, failRate: number): void {
  const ip = b.role(b.address([62, 94, 145]), 'benign');
  for (const user of STAFF.slice(10, 10 + users)) {
    for (const t of workdayTimes(b, from, to, b.rng.int(2, 4))) {
      const failures = b.rng.chance(failRate) ? b.rng.int(1, 3) : 0;
      b.login(ip, t, user, failures, 'password', b.rng.int(5 * MIN, 2 * HOUR));
    }
  }
}

/** A CI/deploy bot logging in by key every 5 minutes on the dot. */
export function deployBot(b: ScenarioBuilder, from: number, to: number): void {
  const ip = b.role('52.29.14.201', 'benign');
  for (let t = Math.ceil(from / (5 * MIN)) * 5 * MIN; t < to; t += 5 * MIN) b.login(ip, t, 'deploy', 0, 'key', 20_000);
}

/** A monitoring probe connecting to port 22 every 60 s and closing before authenticating. */
export function monitoringProbe(b: ScenarioBuilder, from: number, to: number): void {
  const ip = b.role('159.89.201.17', 'benign');
  for (let t = Math.ceil(from / MIN) * MIN + 7_000; t < to; t += MIN) b.probe(ip, t, 300);
}

/** A cron job on our own network with a stale password, failing every 5 minutes. */
export function staleCronJob(b: ScenarioBuilder, from: number, to: number): void {
  const ip = b.role('10.20.0.15', 'benign');
  b.account('svc-backup');
  for (let t = Math.ceil(from / (5 * MIN)) * 5 * MIN + 2_000; t < to; t += 5 * MIN) b.attempts(ip, t, ['svc-backup']);
}

/** Password-expiry morning: 40 users from 40 addresses each fail 1-3 times, then succeed, within 40 minutes. */
export function passwordExpiryMorning(b: ScenarioBuilder, at: number): void {
  for (const user of STAFF.slice(0, 40)) {
    const ip = b.role(b.address(HOME), 'benign');
    b.login(ip, at + b.rng.range(0, 40 * MIN), user, b.rng.int(1, 3), 'password', b.rng.int(10 * MIN, 3 * HOUR));
  }
}

/** A laptop on IPv6 privacy addresses: a new address in the same /64 each time, sometimes a mistyped password. */
export function ipv6Laptop(b: ScenarioBuilder, from: number, to: number): void {
  for (const t of workdayTimes(b, from, to, 5)) {
    const suffix = [0, 0, 0, 0].map(() => b.rng.int(1, 0xffff).toString(16)).join(':');
    const ip = b.role(`2001:db8:4b2:10:${suffix}`, 'benign');
    b.login(ip, t, 'gwen', b.rng.chance(0.4) ? b.rng.int(1, 2) : 0, 'password', b.rng.int(10 * MIN, 2 * HOUR));
  }
}

/**
 * Local checks over SSH to the host itself, from 127.0.0.1 and ::1, with a stale password for a name attackers try
 * too (`admin` does not exist here: `invalid user`), every 2-3 minutes: loopback is never banned, whatever it shares
 * with a campaign.
 */
export function loopbackChecks(b: ScenarioBuilder, from: number, to: number): void {
  for (const ip of ['127.0.0.1', '::1']) {
    b.role(ip, 'benign');
    for (let t = from + b.rng.range(0, 2 * MIN); t < to; t += b.rng.range(2 * MIN, 3 * MIN))
      b.attempts(ip, t, ['admin']);
  }
}

/** `user` with two neighbouring letters swapped: a slip of the fingers, a name that does not exist here. */
function typo(b: ScenarioBuilder, user: string): string {
  const i = b.rng.int(0, user.length - 2);
  const swapped = user.slice(0, i) + user[i + 1] + user[i] + user.slice(i + 2);
  return swapped === user ? `${user}${user.at(-1)}` : swapped;
}

/**
 * Users getting the username wrong before the right one, each from an address not seen before (a hotel, a train):
 * their own name mistyped, or the default account of a cloud image (`ubuntu`, `admin`, `ec2-user`, `root`: names on
 * every attacker's list). Fails once or twice, leaves, logs in as themselves half a minute later. With no campaign
 * live nothing ties them to anyone (during one, a first try on such a name is a documented weak spot:
 * docs/detection.md, "Names alone").
 */
export function usernameSlips(
  b: ScenarioBuilder,
  from: number,
  to: number,
  perDay = 8,
  slip: 'typo' | 'default' | 'either' = 'either',
): void {
  const defaults = ['ubuntu', 'admin', 'ec2-user', 'root'];
  for (const t of workdayTimes(b, from, to, perDay)) {
    const user = b.rng.pick(STAFF.slice(0, 20));
    const ip = b.role(b.address(HOME), 'benign');
    const mistyped = slip === 'either' ? b.rng.chance(0.5) : slip === 'typo';
    const wrong = mistyped ? typo(b, user) : b.rng.pick(defaults);
    if (slip === 'typo') {
      // Their own name, which they have used here before (from their usual address): f2b-campaign learns real
      // names from logins, and a slip of one it has never seen is a name like any other.
      const usual = b.role(b.address(HOME), 'benign');
      b.login(usual, Math.max(from, t - b.rng.range(HOUR, 6 * HOUR)), user, 0, 'password', b.rng.int(10 * MIN, HOUR));
    }
    const tries = Array.from({ length: b.rng.int(1, 2) }, () => wrong);
    b.attempts(ip, t, tries, b.rng.int(4000, 9000), 20_000);
    b.login(ip, t + b.rng.range(25_000, 45_000), user, 0, 'password', b.rng.int(10 * MIN, 2 * HOUR));
  }
}

/** The light benign background mixed into every attack scenario. */
export function background(b: ScenarioBuilder, from: number, to: number): void {
  mistypingUsers(b, from, to, 6);
  sharedAddress(b, from, to, 10, 0.2);
  deployBot(b, from, to);
  monitoringProbe(b, from, to);
  staleCronJob(b, from, to);
  ipv6Laptop(b, from, to);
}

/**
 * The traps that matter most while a campaign is live, added from the attack's start `at` (after its shape, so the
 * attack itself is drawn as before): a password-expiry morning (40 fresh addresses failing during the surge), a
 * CGNAT address shared by 30 users, and loopback checks trying a name of the campaign's dictionary.
 */
export function duringAttack(b: ScenarioBuilder, at: number, from: number, to: number): void {
  passwordExpiryMorning(b, at + 10 * MIN);
  sharedAddress(b, from, to, 30, 0.3);
  loopbackChecks(b, from, to);
}
