import type { AsnBlocks } from './asn-blocks.js';
import type { Campaign } from './campaign.js';
import type { CampaignSettings } from './campaign-settings.js';
import { type BlockKey, blockKeyOf, isPrivate, neighbourKey, providerKey } from './ip-prefix.js';
import type { DictionarySignal } from './signals/dictionary.js';
import { type Evidence, maskSize, type SignalMask, signalBit } from './signals/signal.js';
import type { SourceState } from './source-state.js';
import type { SuccessHistory } from './success-history.js';

const RHYTHM = signalBit('rhythm');
const LIFETIME = signalBit('lifetime');
const DICTIONARY = signalBit('dictionary');
const LOCALITY = signalBit('locality');
const SURGE = signalBit('surge');

/** Each fingerprint's blocks as a set of keys, rebuilt when the list grows (it only grows, by learnFromMember). */
const blockSets = new WeakMap<readonly string[], { size: number; set: ReadonlySet<BlockKey> }>();
/**
 * The list asked about last and its entry: a judged source is asked about its /24 and its /16 against the same
 * campaign in turn, and the campaigns with blocks are few, so this spares most of the WeakMap's lookups.
 */
let lastBlocks: readonly string[] | undefined;
let lastSet: { size: number; set: ReadonlySet<BlockKey> } | undefined;

/** Whether `block` is one of the campaign's blocks: asked for nearly every judged event, against up to 64 blocks. */
export function hasBlock(c: Campaign, block: BlockKey): boolean {
  let cached = c.blocks === lastBlocks ? lastSet : blockSets.get(c.blocks);
  if (cached === undefined || cached.size !== c.blocks.length) {
    cached = { size: c.blocks.length, set: new Set(c.blocks.map(blockKeyOf)) };
    blockSets.set(c.blocks, cached);
  }
  lastBlocks = c.blocks;
  lastSet = cached;
  return cached.set.has(block);
}

/** Whether the source tried a name of the campaign's dictionary (tried by enough members, never a real user's). */
function triedCampaignName(c: Campaign, source: SourceState, dictionary: DictionarySignal): boolean {
  for (let i = 0; i < source.nameCount; i++) {
    const hash = source.nameAt(i);
    if ((c.names.get(hash) ?? 0) >= dictionary.campaignMin && !dictionary.isLegit(hash)) return true;
  }
  return false;
}

/**
 * Every name the source tried is one no account here has (sshd said `invalid user`): the learned blocklist of names
 * no legitimate user has used. While a spraying campaign lives, that is its dictionary even if the name is new.
 */
function onlyUnknownNames(source: SourceState): boolean {
  return source.attempts > 0 && source.unknown === source.attempts;
}

/**
 * Whether the source is in `block`, one of the campaign's blocks, in a way that counts against it. With `successes`
 * (judging a ban) on the locality signal's own terms: the source failed here (an address that only connects, a
 * monitoring probe in the same cloud /24, is no neighbour taking turns), and nobody in the block logged in
 * successfully within success_memory (an office or a provider's pool is not an attacker's block, even if it was
 * taken for one before its users came in). Without (the alerts asking whether a login matches the fingerprint),
 * being in the block is enough.
 */
function inBlock(c: Campaign, source: SourceState, block: BlockKey, successes?: SuccessHistory, now = 0): boolean {
  if (block === '' || !hasBlock(c, block)) return false;
  return successes === undefined || (source.attempts > 0 && !successes.blockHasSuccess(block, now));
}

/**
 * The fingerprint signals of `c` that the source shows now. Rhythm and lifetime must fall in the campaign's
 * buckets, locality in its blocks (with `successes`, as judging a ban does: see inBlock); the dictionary matches a
 * name of the campaign's, any shared dictionary name, or a source trying only names that do not exist here.
 * The site-wide surge counts only beside a dictionary match: on its own it says nothing about this source.
 */
export function matchCampaign(
  c: Campaign,
  source: SourceState,
  ev: Evidence,
  dictionary: DictionarySignal,
  successes?: SuccessHistory,
  now = 0,
  /** The source's autonomous system as a block (asn-blocks.ts), '' without a database. */
  system: BlockKey = '',
): SignalMask {
  let out = 0;
  // Each branch reads only the evidence it needs, and knows its own bit.
  for (const name of c.signals) {
    if (name === 'rhythm' || name === 'lifetime') {
      const param = ev.get(name);
      const list = name === 'rhythm' ? c.rhythm : c.lifetime;
      if (param !== undefined && list.includes(Number(param))) out |= name === 'rhythm' ? RHYTHM : LIFETIME;
    } else if (name === 'dictionary') {
      if (ev.has('dictionary') || onlyUnknownNames(source) || triedCampaignName(c, source, dictionary)) {
        out |= DICTIONARY;
      }
    } else if (name === 'locality') {
      if (
        inBlock(c, source, neighbourKey(source.ip), successes, now) ||
        inBlock(c, source, providerKey(source.ip), successes, now) ||
        inBlock(c, source, system, successes, now)
      ) {
        out |= LOCALITY;
      }
    } else if (name !== 'surge' && ev.has(name)) out |= signalBit(name);
  }
  if ((out & DICTIONARY) !== 0 && c.signals.includes('surge') && ev.has('surge')) out |= SURGE;
  return out;
}

/**
 * Whether a matching source joins the campaign. Normally `min_signals` matched signals. One suffices when it is
 * the campaign's dictionary or its /24 (/64): that is how a new member is banned at its first attempt. One more is
 * needed from a source in a private range (our own network) unless configured otherwise, and from a source that
 * tried names but none of the campaign's dictionary (it is not spraying the same list). `successes` and `now` as
 * for matchCampaign; `namesAlone` false: the dictionary match may not join on its own (see banJoins).
 */
export function joins(
  c: Campaign,
  source: SourceState,
  matched: SignalMask,
  settings: CampaignSettings,
  successes?: SuccessHistory,
  now = 0,
  namesAlone = true,
): boolean {
  const internal = isPrivate(source.ip) && !settings.privateSingle;
  let need = settings.minSignals;
  if (internal) need++;
  if (c.signals.includes('dictionary') && source.nameCount > 0 && (matched & DICTIONARY) === 0) need++;
  if (maskSize(matched) >= need) return true;
  if (internal) return false;
  if ((matched & DICTIONARY) !== 0 && source.attempts > 0 && namesAlone) return true;
  return (matched & LOCALITY) !== 0 && inBlock(c, source, neighbourKey(source.ip), successes, now);
}

/**
 * Whether the names a source tried are all it matched of a campaign's own evidence (the site-wide surge, which
 * counts only beside them, says nothing of the source): a join on names alone, which CampaignBook holds a while.
 */
export function namesOnly(matched: SignalMask): boolean {
  return (matched & DICTIONARY) !== 0 && (matched & ~(DICTIONARY | SURGE)) === 0;
}

/** What judging a ban needs besides the campaign and the source. */
export interface BanJudgeDeps {
  readonly settings: CampaignSettings;
  readonly dictionary: DictionarySignal;
  readonly successes: SuccessHistory;
  /** The sources' autonomous systems (none without an ASN database). */
  readonly asnBlocks?: AsnBlocks;
}

/**
 * matchCampaign when the answer is a ban: a block of the campaign's counts against a source only on the locality
 * signal's own terms (it failed there, and nobody there logged in lately: inBlock).
 */
export function banMatch(c: Campaign, source: SourceState, ev: Evidence, deps: BanJudgeDeps, now: number): SignalMask {
  return matchCampaign(c, source, ev, deps.dictionary, deps.successes, now, deps.asnBlocks?.of(source.ip));
}

/**
 * joins when the answer is a ban: false, true, or 'held' for a join on a loose name (namesTie) alone or with the
 * surge, which waits for shared_name_hold (held-joins.ts) so that a user who logs in meanwhile is spared. A slip
 * (`sevn` for `sven`) that nobody else shares joins nobody on its own or with the surge.
 */
export function banJoins(
  c: Campaign,
  source: SourceState,
  ev: Evidence,
  matched: SignalMask,
  deps: BanJudgeDeps,
  now: number,
): boolean | 'held' {
  // Nothing matched joins nothing (min_signals is at least 1): most judged sources and campaigns, decided without
  // reading the names the source tried.
  if (matched === 0 && deps.settings.minSignals > 0) return false;
  const tie = namesTie(c, source, ev, deps.dictionary);
  if (tie === 'tight') return joins(c, source, matched, deps.settings, deps.successes, now);
  const strict = joins(c, source, matched & ~SURGE, deps.settings, deps.successes, now, false);
  if (strict || tie === 'slip') return strict;
  return joins(c, source, matched, deps.settings, deps.successes, now) ? 'held' : false;
}

/**
 * How the names a source tried tie it to the campaign. Loosely (`slip`, `loose`), they are one signal of its own,
 * never enough alone nor with the site-wide surge. Tight: a name of the campaign's dictionary, or only names no
 * account here has. Slip: a name one slip from a real user's (`sevn` for `sven`) that nobody else shares. Loose: a
 * shared name that exists here but that none of the campaign's members tried: a shared account on a bad morning as
 * likely as a spray (found in review: three colleagues failing once each on `helpdesk` during a campaign were
 * banned as its members, and a user's login from a privacy address of the laptop whose three failures had made
 * `jack` shared was alerted on as a compromise).
 */
export function namesTie(
  c: Campaign,
  source: SourceState,
  ev: Evidence,
  dictionary: DictionarySignal,
): 'tight' | 'slip' | 'loose' {
  const campaignName = triedCampaignName(c, source, dictionary);
  if (source.slipped === 1 && !ev.has('dictionary') && !campaignName) return 'slip';
  return campaignName || onlyUnknownNames(source) ? 'tight' : 'loose';
}
