import { SshdParser } from '../parse/sshd-parser.js';
import type { CampaignReport, MemberReport } from './audit-report.js';
import { readRotatedLines } from './log-lines.js';
import type { Progress } from './progress.js';
import type { RotatedFile } from './rotated-files.js';

/** Attempts kept per member for the timeline; beyond this the picture would not change, only memory would. */
const MAX_ATTEMPTS_PER_MEMBER = 5_000;
/** Attempts this long before a campaign's start or after its end still belong to its picture. */
const MARGIN = 6 * 3_600_000;

/**
 * Adds each member's attempts (failures and pre-auth probes) and the usernames tried to the campaigns, from the
 * sshd log. Usernames from the sshd log replace those taken from BAN lines: they are every username tried, not a
 * sample. Only addresses already named by a BAN verdict are looked at. `logs` are rotated sets (listRotated), each
 * oldest first.
 */
export async function addMemberAttempts(
  logs: ReadonlyArray<readonly RotatedFile[]>,
  members: ReadonlyMap<string, ReadonlyArray<{ campaign: CampaignReport; member: MemberReport }>>,
  progress: Progress,
): Promise<number> {
  const cleared = new Set<CampaignReport>();
  let attempts = 0;
  progress.start('reading sshd log', logs.flat());
  let i = -1;
  for (const files of logs) {
    // One parser per rotated set, as replay reads it: an attempt whose lines straddle a rotation (`Invalid user`
    // in auth.log.1, its `Failed password` in auth.log) is paired as one, where a parser per file counted it twice.
    // The year of `Feb 15 14:23:12` stamps is anchored by the mtime of the file the first line comes from.
    let mtime = 0;
    const parser = new SshdParser({ referenceTime: () => mtime });
    for (const file of files) {
      i++;
      mtime = file.mtime;
      for await (const line of readRotatedLines([file], (_, bytes) => progress.update(i, bytes))) {
        const event = parser.parseLine(line);
        if (!event || (event.kind !== 'failure' && event.kind !== 'probe')) continue;
        const owners = members.get(event.ip);
        if (!owners) continue;
        for (const { campaign, member } of owners) {
          const end = (campaign.end ?? campaign.lastSeen) + MARGIN;
          if (event.time < campaign.start - MARGIN || event.time > end) continue;
          if (!cleared.has(campaign)) {
            campaign.users.clear();
            cleared.add(campaign);
          }
          // `message repeated N times` stands for N attempts: N marks on the timeline, as N lines would be.
          for (let n = 0; n < event.count && member.attempts.length < MAX_ATTEMPTS_PER_MEMBER; n++) {
            member.attempts.push(event.time);
          }
          if (event.kind === 'failure' && event.count > 0 && event.user !== undefined) {
            campaign.users.set(event.user, (campaign.users.get(event.user) ?? 0) + event.count);
          }
          attempts += event.count;
        }
      }
    }
  }
  return attempts;
}
