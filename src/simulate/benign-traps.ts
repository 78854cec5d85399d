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

/** The light benign background mixed into every attack scenario. */
export function background(b: ScenarioBuilder, from: number, to: number): void {
  mistypingUsers(b, from, to, 6);
  sharedAddress(b, from, to, 10, 0.2);
  deployBot(b, from, to);
  monitoringProbe(b, from, to);
  staleCronJob(b, from, to);
  ipv6Laptop(b, from, to);
}
