import type { CampaignLookup, CampaignMatch } from '../../src/alerts/campaign-lookup.js';
import type { AuthEvent } from '../../src/core/auth-event.js';

/** A CampaignLookup answered from plain tables: what the detector would know, written down by the test. */
export interface LookupTables {
  members?: Record<string, CampaignMatch>;
  /** Addresses that match a campaign's fingerprint without being members. */
  fingerprints?: Record<string, CampaignMatch>;
  sprayed?: Record<string, CampaignMatch>;
  successHistory?: string[];
  neverBan?: string[];
}

export function tableLookup(t: LookupTables): CampaignLookup & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    memberOf: (ip: string) => {
      calls.push(`memberOf ${ip}`);
      return t.members?.[ip] ?? null;
    },
    matchingCampaign: (e: AuthEvent) => {
      calls.push(`matchingCampaign ${e.ip}`);
      return t.fingerprints?.[e.ip] ?? null;
    },
    sprayingCampaign: (user: string) => {
      calls.push(`sprayingCampaign ${user}`);
      return Object.hasOwn(t.sprayed ?? {}, user) ? t.sprayed![user]! : null;
    },
    hasSuccessHistory: (ip: string) => {
      calls.push(`hasSuccessHistory ${ip}`);
      return t.successHistory?.includes(ip) ?? false;
    },
    mayBan: (ip: string) => !(t.neverBan?.includes(ip) ?? false),
  };
}

export const C1: CampaignMatch = { id: 'c-0001', signals: 'rhythm+dictionary' };

/** An accepted-login event as the sshd parser would produce it. */
export function accepted(time: number, ip: string, user: string, extra: Partial<AuthEvent> = {}): AuthEvent {
  return {
    time,
    kind: 'success',
    reason: 'accepted',
    ip,
    bannable: true,
    count: 1,
    user,
    method: 'password',
    ...extra,
  };
}
