import { ATTACK_NAMES, sortedDictionary } from './names.js';
import type { ScenarioBuilder } from './scenario-builder.js';

/**
 * The attack shapes of issue 3, each as a function adding the campaign's connections from `at`. Every address is
 * registered as a `member`. Returns the time of the first password attempt.
 */
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** First octets standing for twelve countries' address space (three waves of four). */
const COUNTRIES = [
  [58, 61, 101, 103],
  [5, 37, 91, 95],
  [177, 179, 186, 190],
];

function name(b: ScenarioBuilder, size = 25): string {
  return ATTACK_NAMES[b.rng.zipf(Math.min(size, ATTACK_NAMES.length))]!;
}

/**
 * Under fail2ban's own count, as a campaign tuned to it is: the three tries of a wave fall within one findtime, and
 * fail2ban counts a try on a name that does not exist here twice, so at most one of them is such a name (2 + 1 + 1
 * = 4 < maxretry 5); the others go to `root`, which exists everywhere.
 */
function underFail2ban(b: ScenarioBuilder, tries: number, budget = 4): string[] {
  const names: string[] = [];
  let spent = 0;
  for (let k = 0; k < tries; k++) {
    const wanted = name(b);
    const user = spent + b.fail2banCost(wanted) + (tries - k - 1) <= budget ? wanted : 'root';
    spent += b.fail2banCost(user);
    names.push(user);
  }
  return names;
}

/** Waves with a rhythm: 47 addresses, three geographic waves of 15 minutes, 3 attempts each 167 s (±12 s) apart. */
export function waves(b: ScenarioBuilder, at: number): number {
  let first = Number.POSITIVE_INFINITY;
  const sizes = [16, 16, 15];
  sizes.forEach((size, wave) => {
    for (let i = 0; i < size; i++) {
      const ip = b.role(b.address(COUNTRIES[wave]!), 'member');
      let t = at + wave * 15 * MIN + b.rng.range(0, 15 * MIN);
      for (const user of underFail2ban(b, 3)) {
        first = Math.min(first, b.attempts(ip, t, [user], 3000, b.rng.range(43 * S, 47 * S)));
        t += b.rng.range(155 * S, 179 * S);
      }
    }
  });
  return first;
}

/** Fleet-wide slow burn: `n` addresses, 2-3 attempts per address per hour, for `hours`. */
export function slowBurn(b: ScenarioBuilder, at: number, n = 120, hours = 48): number {
  let first = Number.POSITIVE_INFINITY;
  const firsts = [14, 27, 36, 42, 49, 59, 60, 85, 112, 113, 116, 119, 122, 171, 175, 180, 182, 201, 211, 218, 220, 222];
  for (let i = 0; i < n; i++) {
    const ip = b.role(b.address(firsts), 'member');
    const begin = at + b.rng.range(0, HOUR);
    for (let hour = 0; hour < hours; hour++) {
      const count = b.rng.int(2, 3);
      for (let k = 0; k < count; k++) {
        const t = begin + hour * HOUR + (k * HOUR) / count + b.rng.range(0, HOUR / count - MIN);
        first = Math.min(first, b.attempts(ip, t, [name(b, ATTACK_NAMES.length)], 3000, b.rng.range(6 * S, 20 * S)));
      }
    }
  }
  return first;
}

/** Hail Mary: `n` addresses, about one attempt each per hour, walking one shared alphabetical dictionary. */
export function hailMary(b: ScenarioBuilder, at: number, n = 300, hours = 24): number {
  const perName = 4;
  const dictionary = sortedDictionary(b.rng, Math.ceil((n * hours) / perName) + 10);
  const plan: Array<[number, string]> = [];
  for (let i = 0; i < n; i++) {
    const ip = b.role(
      b.address([23, 45, 64, 104, 134, 138, 139, 142, 143, 146, 157, 161, 164, 165, 167, 170]),
      'member',
    );
    const offset = b.rng.range(0, HOUR);
    for (let hour = 0; hour < hours; hour++)
      plan.push([at + offset + hour * HOUR + b.rng.range(-8 * MIN, 8 * MIN), ip]);
  }
  plan.sort((x, y) => x[0] - y[0]);
  plan.forEach(([t, ip], i) => {
    b.attempts(ip, t, [dictionary[Math.floor(i / perName)]!], 3000, b.rng.range(5 * S, 12 * S));
  });
  return plan[0]![0] + 2500;
}

/** One try per address: `n` addresses each trying one name once, spread over `span`. */
export function oneTry(b: ScenarioBuilder, at: number, n = 1000, span = 3 * HOUR): number {
  let first = Number.POSITIVE_INFINITY;
  const firsts = [1, 2, 14, 27, 36, 39, 41, 43, 49, 58, 61, 77, 78, 79, 80, 89, 92, 93, 94, 95, 103, 106, 110, 111];
  for (let i = 0; i < n; i++) {
    const ip = b.role(b.address(firsts), 'member');
    first = Math.min(first, b.attempts(ip, at + b.rng.range(0, span), [name(b, 60)], 3000, b.rng.range(4 * S, 9 * S)));
  }
  return first;
}

/** Neighbours: `n` addresses of one /24 taking turns about 90 s apart. */
export function neighbours(b: ScenarioBuilder, at: number, n = 24, span = 3 * HOUR): number {
  const ips = Array.from({ length: n }, (_, i) => b.role(`45.148.10.${11 + i * 7}`, 'member'));
  let first = Number.POSITIVE_INFINITY;
  let turn = 0;
  for (let t = at; t < at + span; t += b.rng.range(82 * S, 98 * S)) {
    first = Math.min(first, b.attempts(ips[turn % n]!, t, [name(b)], 3000, b.rng.range(6 * S, 12 * S)));
    turn++;
  }
  return first;
}

/**
 * Reconnaissance first: `n` addresses connect and close before authenticating in bursts (2-3 s windows, 15-30 s
 * apart) for `recon`, then spray passwords for an hour. Returns the first password attempt.
 */
export function reconThenSpray(b: ScenarioBuilder, at: number, n = 40, recon = 18 * MIN): number {
  const ips = Array.from({ length: n }, () =>
    b.role(b.address([80, 83, 87, 89, 92, 93, 141, 185, 193, 194, 195]), 'member'),
  );
  for (let t = at; t < at + recon; t += b.rng.range(15 * S, 30 * S)) {
    const width = b.rng.range(2 * S, 3 * S);
    const count = b.rng.int(6, 14);
    for (let i = 0; i < count; i++) {
      const ip = ips[b.rng.int(0, n - 1)]!;
      b.probe(
        ip,
        t + b.rng.range(0, width),
        b.rng.range(150, 1500),
        b.rng.chance(0.3) ? 'probe-reset' : 'probe-closed',
      );
    }
  }
  let first = Number.POSITIVE_INFINITY;
  for (const ip of ips) {
    let t = at + recon + b.rng.range(0, 5 * MIN);
    while (t < at + recon + HOUR) {
      first = Math.min(first, b.attempts(ip, t, [name(b)], 3000, b.rng.range(5 * S, 10 * S)));
      // Over 5 minutes apart: at most two tries in any findtime, 4 by fail2ban's count even for unknown names.
      t += b.rng.range(5.5 * MIN, 8 * MIN);
    }
  }
  return first;
}

/** Lone scanners: each hammers with a burst of attempts (fail2ban's business) or tries once or twice, and leaves. */
export function loneScanners(b: ScenarioBuilder, from: number, to: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const ip = b.role(b.address([2, 5, 31, 43, 45, 61, 91, 103, 117, 185, 193, 218]), 'scanner');
    const t = b.rng.range(from, to - 10 * MIN);
    const tries = b.rng.chance(0.5) ? b.rng.int(1, 2) : b.rng.int(6, 24);
    const names = Array.from({ length: Math.min(tries, 6) }, () => name(b, ATTACK_NAMES.length));
    for (let k = 0; k < tries; k += 6) b.attempts(ip, t + k * 4 * S, names, 2500, 20 * S);
  }
}
