import { hailMary, loneScanners, neighbours, oneTry, reconThenSpray, slowBurn, waves } from './attack-shapes.js';
import {
  background,
  deployBot,
  duringAttack,
  ipv6Laptop,
  loopbackChecks,
  mistypingUsers,
  monitoringProbe,
  passwordExpiryMorning,
  sharedAddress,
  staleCronJob,
  usernameSlips,
} from './benign-traps.js';
import type { ScenarioBuilder } from './scenario-builder.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Monday 2026-02-16 00:00 UTC: every scenario starts on this day. */
export const DAY0 = Date.UTC(2026, 1, 16);

export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  /** Offset of the scenario's start from DAY0, and its length. */
  readonly offset: number;
  readonly duration: number;
  /** Socket sampling interval of the trace (the service samples every 5 s while a campaign is open). */
  readonly sampleInterval: number;
  readonly campaign: boolean;
  readonly recogniseWithin: number | null;
  readonly laterMembersAtFirstAttempt: boolean;
  /** Adds the connections; returns the first password attempt of the campaign (null when none). */
  build(b: ScenarioBuilder, start: number, end: number): number | null;
}

const attack = (
  name: string,
  description: string,
  duration: number,
  at: number,
  shape: (b: ScenarioBuilder, at: number) => number,
  extra: Partial<ScenarioSpec> = {},
): ScenarioSpec => ({
  name,
  description,
  offset: 8 * HOUR,
  duration,
  sampleInterval: 5_000,
  campaign: true,
  recogniseWithin: null,
  laterMembersAtFirstAttempt: false,
  build(b, start, end) {
    background(b, start, end);
    const first = shape(b, start + at);
    duringAttack(b, start + at, start, end);
    return first;
  },
  ...extra,
});

const benignDay = (name: string, description: string, scanners: number): ScenarioSpec => ({
  name,
  description,
  offset: 0,
  duration: 24 * HOUR,
  sampleInterval: 30_000,
  campaign: false,
  recogniseWithin: null,
  laterMembersAtFirstAttempt: false,
  build(b, start, end) {
    mistypingUsers(b, start, end, 12);
    sharedAddress(b, start, end, 15, 0.2);
    sharedAddress(b, start, end, 30, 0.3);
    deployBot(b, start, end);
    monitoringProbe(b, start, end);
    staleCronJob(b, start, end);
    passwordExpiryMorning(b, start + 9 * HOUR);
    ipv6Laptop(b, start, end);
    if (scanners > 0) loneScanners(b, start, end, scanners);
    loopbackChecks(b, start, end);
    // With lone scanners about, the campaign they form bans a user's first try on a wrong name (docs/detection.md,
    // "Names alone"): pinned in test/scenarios/scenarios.test.ts, not part of that day.
    if (scanners === 0) usernameSlips(b, start, end);
    return null;
  },
});

/** Every scenario the simulator knows, attack shapes first, then the benign days. */
export const SCENARIOS: readonly ScenarioSpec[] = [
  attack(
    'waves',
    '47 addresses in 3 geographic waves of 15 min, 3 attempts each 167 s apart, 45 s connections',
    4 * HOUR,
    HOUR,
    waves,
    {
      recogniseWithin: 15 * MIN,
      laterMembersAtFirstAttempt: true,
    },
  ),
  attack('slow-burn', '120 addresses, 2-3 attempts per address per hour for 48 h', 50 * HOUR, HOUR, slowBurn, {
    sampleInterval: 30_000,
  }),
  attack(
    'hail-mary',
    '300 addresses, one attempt per hour each, one shared alphabetical dictionary, 24 h',
    26 * HOUR,
    HOUR,
    hailMary,
    {
      sampleInterval: 30_000,
    },
  ),
  attack('one-try', '1,000 addresses trying one name once each over 3 h', 6 * HOUR, 2 * HOUR, oneTry, {
    sampleInterval: 10_000,
  }),
  attack('neighbours', '24 addresses of one /24 taking turns about 90 s apart for 3 h', 5 * HOUR, HOUR, neighbours, {
    laterMembersAtFirstAttempt: true,
  }),
  attack(
    'recon',
    '40 addresses probing in 2-3 s bursts every 15-30 s for 18 min, then spraying passwords',
    3 * HOUR,
    HOUR,
    reconThenSpray,
  ),
  benignDay(
    'benign-day',
    '24 h of benign traps only: typos, NAT office, CGNAT, deploy bot, monitor, stale cron, expiry morning, IPv6 laptop, loopback, wrong usernames',
    0,
  ),
  benignDay('benign-day-scanners', 'the benign day with 60 uncoordinated lone scanners mixed in', 60),
];

export function findScenario(name: string): ScenarioSpec | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
