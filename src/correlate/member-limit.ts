import type { Campaign } from './campaign.js';

/**
 * The member lists of all campaigns, live and ended, held to max_members in all (each list is capped at it too). An
 * attacker keeping max_campaigns campaigns alive, each fed with fresh addresses of its own /64 (one failure each
 * joins on the block), would otherwise make the detector remember max_campaigns x max_members addresses (2 million
 * with the defaults: +225 MB of heap) beyond the sources it tracks. Past the limit, the ended campaigns' lists give
 * way first (oldest campaign first), then the largest live list its least recently banned. A member forgotten that
 * way keeps its ban; if it comes back after its own state was evicted too, it is judged afresh.
 */
export class MemberLimit {
  private remembered = 0;

  /** `live` and `ended` are the roster's own lists (campaign-roster.ts; read, never changed here), newest last. */
  constructor(
    private readonly max: number,
    private readonly live: readonly Campaign[],
    private readonly ended: readonly Campaign[],
  ) {
    for (const c of [...live, ...ended]) this.remembered += c.members.size;
  }

  /** Records a member's ban in its campaign's list, and forgets the members beyond the limit. */
  remember(c: Campaign, ip: string, now: number): void {
    const before = c.members.size;
    c.members.touch(ip, now);
    this.remembered += c.members.size - before;
    while (this.remembered > this.max) {
      this.giveWay(c).members.shift();
      this.remembered--;
    }
  }

  /**
   * The list that forgets a member next: the oldest ended campaign's that holds any, else the largest live one (`c`
   * on a tie). Loops, not find(): past the limit this runs for every ban, and a callback would be an object each time.
   */
  private giveWay(c: Campaign): Campaign {
    const ended = this.ended;
    for (let i = 0; i < ended.length; i++) if (ended[i]!.members.size > 0) return ended[i]!;
    let from = c;
    const live = this.live;
    for (let i = 0; i < live.length; i++) if (live[i]!.members.size > from.members.size) from = live[i]!;
    return from;
  }

  /** An ended campaign the book no longer keeps: its members are not remembered any more. */
  discard(c: Campaign): void {
    this.remembered -= c.members.size;
  }
}
