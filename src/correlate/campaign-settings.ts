import type { KeySpec } from '../config/key-spec.js';
import { durationKey, HOUR, intKey, MINUTE, numberKey, setting } from './settings.js';

/** The keys that decide how much evidence makes a campaign and how long state is kept. */
export const CAMPAIGN_KEYS = {
  minMembers: intKey('min_members', 5, 'Candidate sources sharing the same signals needed to open a campaign.', 2),
  minSignals: intKey(
    'min_signals',
    2,
    'Distinct signals a source must show to be a candidate (the site-wide surge counts only with a shared dictionary).',
  ),
  // The floors here and on the signals' windows: at 0 the loader once took them, and a candidate then waited
  // for no one, a campaign ended and reopened between two of its members' attempts (simulate's waves: 848 BAN lines
  // for 47 addresses), state was dropped as it was made. No operator means any of that.
  window: durationKey(
    'campaign_window',
    2 * HOUR,
    'How long a candidate waits for others before it is forgotten.',
    MINUTE,
  ),
  end: durationKey(
    'campaign_end',
    2 * HOUR,
    "A campaign ends when none of its members has been seen for this long. At least 10m, fail2ban's default findtime: members keeping under maxretry per findtime leave the campaign quiet for minutes, and one ended between them opens again and bans each returning member again (at 1m, 191 BAN lines for the 47 addresses of simulate's waves).",
    10 * MINUTE,
  ),
  growFactor: numberKey(
    'grow_factor',
    2,
    'A CAMPAIGN grow line is written when the members reach this many times the last announced count.',
    {
      min: 1.1,
    },
  ),
  sourceTtl: durationKey(
    'source_ttl',
    12 * HOUR,
    'Per-source state is dropped after this long without an event (a source is judged on what its state holds: shorter than the gaps between its attempts, it is new at each).',
    MINUTE,
  ),
  maxSources: intKey(
    'max_sources',
    100_000,
    'Sources tracked at most (about 0.36 kB each, bench/memory.mjs); the least recently seen are dropped first.',
    100,
  ),
  maxMembers: intKey(
    'max_members',
    20_000,
    'Members a campaign remembers for re-banning after their own state was evicted (tracked sources know their campaign anyway; the count goes on).',
    10,
  ),
  maxCampaigns: intKey(
    'max_campaigns',
    100,
    'Live campaigns at most: opening one more ends the least recently seen (CAMPAIGN event=end why=capacity). Each judged event is matched against every live campaign, so this bounds that work whatever an attacker arranges.',
    1,
  ),
  successMemory: durationKey(
    'success_memory',
    7 * 24 * HOUR,
    'How long a successful login protects its address (IPv6: its /64).',
    MINUTE,
  ),
  overrideSignals: intKey(
    'override_signals',
    3,
    'Signals needed, together with override_attempts, to ban a source despite a recent success.',
  ),
  overrideAttempts: intKey(
    'override_attempts',
    30,
    'Failures since its last success needed, together with override_signals, to ban a protected source.',
  ),
  namesAloneHold: durationKey(
    'names_alone_hold',
    0,
    "How long to hold the ban of a source whose only evidence is the names it tried (a user's wrong first try of a sprayed name such as ubuntu looks the same): a login from it meanwhile protects it; its 4th attempt, other evidence or the hold's end bans it. 0 (the default) bans at its first attempt; 2m spares such users at the cost of a later ban.",
  ),
  sharedNameHold: durationKey(
    'shared_name_hold',
    5 * 60_000,
    "How long to hold the ban of a source that would join a live campaign on a shared username that exists here and that none of the campaign's members tried (three colleagues failing once each on a shared account look the same): a login from it meanwhile protects it; its 4th attempt, other evidence or the hold's end bans it. With names_alone_hold set, such holds last names_alone_hold instead. 0 bans such a source at once.",
  ),
} satisfies Record<string, KeySpec<number>>;

export const IGNOREIP_KEY: KeySpec<string[]> = {
  key: 'ignoreip',
  type: 'cidrs',
  default: [],
  doc: "Addresses and CIDR blocks never banned, in addition to fail2ban's own ignoreip and loopback.",
};

export const PRIVATE_SINGLE_KEY: KeySpec<boolean> = {
  key: 'private_single_signal',
  type: 'bool',
  default: false,
  doc: 'Whether a source in a private range (RFC 1918, CGNAT, ULA, link-local) may join a campaign as a public one does, even on one signal (its dictionary or its /24). Off: such sources, usually our own machines, need min_signals + 1 matched signals (3 by default), never one alone.',
};

export type CampaignSettings = { [K in keyof typeof CAMPAIGN_KEYS]: number } & {
  readonly ignoreip: readonly string[];
  readonly privateSingle: boolean;
};

export function campaignSettings(values: Readonly<Record<string, unknown>>): CampaignSettings {
  const numbers = Object.fromEntries(
    Object.entries(CAMPAIGN_KEYS).map(([name, spec]) => [name, setting(values, spec)]),
  );
  return {
    ...(numbers as { [K in keyof typeof CAMPAIGN_KEYS]: number }),
    ignoreip: setting(values, IGNOREIP_KEY),
    privateSingle: setting(values, PRIVATE_SINGLE_KEY),
  };
}
