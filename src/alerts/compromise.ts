import type { AuthEvent } from '../core/auth-event.js';
import type { CampaignLookup, CampaignMatch } from './campaign-lookup.js';

/** Why a successful login looks like a campaign getting in; `sprayed-user` is the weakest of the three. */
export type CompromiseReason = 'member' | 'fingerprint' | 'sprayed-user';

export interface CompromiseFinding {
  readonly reason: CompromiseReason;
  readonly campaign: CampaignMatch;
}

/**
 * Judges one accepted login against the detector's view just before it. Order matters: membership is the strongest
 * evidence and is reported even if weaker evidence also holds; the sprayed-username rule applies only to sources
 * with no success history (IPv6: in their /64), because a regular user whose name happens to be in a dictionary
 * logs in all the time, and from a new privacy address of the same /64 each time.
 */
export function judgeLogin(event: AuthEvent, lookup: CampaignLookup): CompromiseFinding | null {
  if (event.kind !== 'success') return null;
  const member = lookup.memberOf(event.ip, event.time);
  if (member) return { reason: 'member', campaign: member };
  const fingerprint = lookup.matchingCampaign(event);
  if (fingerprint) return { reason: 'fingerprint', campaign: fingerprint };
  if (event.user !== undefined && !lookup.hasSuccessHistory(event.ip, event.time)) {
    const spraying = lookup.sprayingCampaign(event.user, event.time);
    if (spraying) return { reason: 'sprayed-user', campaign: spraying };
  }
  return null;
}
