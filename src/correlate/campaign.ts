import type { Verdict, VerdictValue } from '../core/verdict.js';
import type { Countries } from './countries.js';
import { RecencyMap } from './recency-map.js';
import { bucketSeconds } from './signals/rhythm.js';
import { type Evidence, SIGNALS, type SignalName, signalBit } from './signals/signal.js';

/** A campaign: sources tied together by shared signals (its fingerprint), with a life span. */
export interface Campaign {
  readonly id: string;
  /** First event of its earliest member, its members' latest event, its end (-1 open). */
  readonly start: number;
  lastSeen: number;
  ended: number;
  /** The signals that tied it together, in SIGNALS order; grows when enough members show another one. */
  signals: SignalName[];
  /** Parameters of the fingerprint: rhythm and lifetime buckets, blocks (CIDR text). */
  readonly rhythm: number[];
  readonly lifetime: number[];
  readonly blocks: string[];
  /** Members that showed each signal not (yet) in the fingerprint. */
  readonly seen: Map<SignalName, number>;
  /** Dictionary: username hash -> members that tried it. */
  readonly names: Map<number, number>;
  /** Members remembered (address -> time of its last BAN), capped; `memberCount` counts them all. */
  readonly members: RecencyMap;
  memberCount: number;
  /**
   * The countries of all its members ever joined (with a country_database; empty without): a member list forgets
   * past max_members, and there are only some 250 countries to remember.
   */
  readonly countries: Set<string>;
  /** Members count in the last CAMPAIGN line. */
  announced: number;
}

export type CampaignSnapshot = Omit<Campaign, 'names' | 'members' | 'seen' | 'countries'> & {
  names: Array<[number, number]>;
  seen: Array<[SignalName, number]>;
  members: Array<[string, number]>;
  /** Absent in older snapshots: the roster counts those of the members remembered then (campaign-roster.ts). */
  countries?: string[];
};

/** c-<yyyymmddhhmm of its start, UTC>-<sequence number>: sorts by time, and readable in a fail2ban log. */
export function campaignId(start: number, seq: number): string {
  const stamp = new Date(start).toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `c-${stamp}-${seq}`;
}

/** Fingerprint of a group of candidates: the signals at least `min` of them show, with their parameters. */
export function newCampaign(
  id: string,
  start: number,
  now: number,
  evidence: readonly Evidence[],
  min: number,
  maxMembers: number,
): Campaign {
  const signals = SIGNALS.filter((name) => evidence.filter((e) => e.has(name)).length >= min);
  const params = (name: SignalName): string[] => [
    ...new Set(evidence.map((e) => e.get(name)).filter((v): v is string => v !== undefined && v !== '')),
  ];
  const widen = (buckets: string[]): number[] =>
    [...new Set(buckets.flatMap((b) => [Number(b) - 1, Number(b), Number(b) + 1]))].sort((a, b) => a - b);
  return {
    id,
    start,
    lastSeen: now,
    ended: -1,
    signals,
    rhythm: signals.includes('rhythm') ? widen(params('rhythm')) : [],
    lifetime: signals.includes('lifetime') ? widen(params('lifetime')) : [],
    blocks: signals.includes('locality') ? params('locality') : [],
    seen: new Map(),
    names: new Map(),
    members: new RecencyMap(maxMembers),
    memberCount: 0,
    countries: new Set(),
    announced: 0,
  };
}

/** The CAMPAIGN verdict: what tied the campaign together, in numbers and tokens only (no attacker text). */
export function campaignVerdict(
  c: Campaign,
  event: 'open' | 'grow' | 'end',
  time: number,
  lifetimeSeconds: (bucket: number) => number,
  countries?: Countries,
): Verdict {
  const fields: Array<[string, VerdictValue]> = [
    ['id', c.id],
    ['event', event],
    ['members', c.memberCount],
    ['signals', c.signals.join('+')],
    ['start', new Date(c.start).toISOString()],
    ['last_seen', new Date(c.lastSeen).toISOString()],
  ];
  const middle = (list: number[]): number => list[Math.floor(list.length / 2)]!;
  const shows = (name: SignalName) => c.signals.includes(name);
  if (shows('rhythm') && c.rhythm.length > 0) fields.push(['rhythm', `${bucketSeconds(middle(c.rhythm))}s`]);
  if (shows('lifetime') && c.lifetime.length > 0) fields.push(['lifetime', `${lifetimeSeconds(middle(c.lifetime))}s`]);
  if (shows('locality') && c.blocks.length > 0) fields.push(['blocks', c.blocks.length], ['block', c.blocks[0]!]);
  if (c.signals.includes('dictionary')) fields.push(['names', c.names.size]);
  // Explanation only: the countries of all its members, as a country_database places them.
  if (countries?.enabled) fields.push(['countries', c.countries.size]);
  return { time, verb: 'CAMPAIGN', fields };
}

export function snapshotCampaign(c: Campaign): CampaignSnapshot {
  return {
    ...c,
    signals: [...c.signals],
    rhythm: [...c.rhythm],
    lifetime: [...c.lifetime],
    blocks: [...c.blocks],
    names: [...c.names],
    members: c.members.entries(),
    seen: [...c.seen],
    countries: [...c.countries],
  };
}

export function restoreCampaign(s: CampaignSnapshot, maxMembers: number): Campaign {
  return {
    ...s,
    names: new Map(s.names),
    members: new RecencyMap(maxMembers, s.members),
    seen: new Map(s.seen),
    countries: new Set(s.countries),
  };
}

/** Bucket lists and block lists of a fingerprint stay short. */
const MAX_PARAMS = 64;

/**
 * Each fingerprint's blocks as a set of their texts, rebuilt when the list has changed size (it only grows, here).
 * Nearly every member's evidence names its block, and a list of 64 texts of one length compared one by one was
 * the costly part of learning from it.
 */
const blockTexts = new WeakMap<readonly string[], Set<string>>();

function hasBlockText(blocks: readonly string[], text: string): boolean {
  let set = blockTexts.get(blocks);
  if (set === undefined || set.size !== blocks.length) {
    set = new Set(blocks);
    blockTexts.set(blocks, set);
  }
  return set.has(text);
}

/**
 * A member's evidence teaches the campaign: parameters of its fingerprint signals are added (another rhythm bucket,
 * another block), and a signal shown by `min` members joins the fingerprint. `learned` is the member's bitmask of
 * signals already counted, so each member counts once per signal. Returns the member's new bitmask.
 */
export function learnFromMember(c: Campaign, ev: Evidence, learned: number, min: number): number {
  let mask = learned;
  // forEach rather than for-of: entries would be a [name, param] pair per signal for every judged member.
  ev.forEach((param, name) => {
    if (param !== '') {
      if (name === 'rhythm' || name === 'lifetime') {
        const list = name === 'rhythm' ? c.rhythm : c.lifetime;
        let added = false;
        for (let b = Number(param) - 1; b <= Number(param) + 1; b++) {
          if (!list.includes(b) && list.length < MAX_PARAMS) {
            list.push(b);
            added = true;
          }
        }
        if (added) list.sort((x, y) => x - y);
      } else if (name === 'locality' && c.blocks.length < MAX_PARAMS && !hasBlockText(c.blocks, param)) {
        c.blocks.push(param);
      }
    }
    const bit = signalBit(name);
    if ((mask & bit) !== 0 || c.signals.includes(name)) return;
    mask |= bit;
    const n = (c.seen.get(name) ?? 0) + 1;
    c.seen.set(name, n);
    if (n >= min && name !== 'surge') c.signals = SIGNALS.filter((x) => x === name || c.signals.includes(x));
  });
  return mask;
}
