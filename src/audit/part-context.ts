import { ROTATION_REPEAT_MS } from '../service/recent-bans.js';
import { TORN_END } from '../verdict/verdict-line.js';
import type { ReadLine } from './torn-parts.js';
import type { VerdictRecord } from './verdict-records.js';

/** The ids the detector writes: `c-<yyyymmddhhmm>-<sequence>` (src/correlate/campaign.ts), since the first version. */
const CAMPAIGN_ID = /^c-\d{12}-[1-9]\d*$/;

/** How far a lateral ALERT's login is known, from its `since_login` and `lifetime`: a sample apart (30 s) and more. */
const LOGIN_SLACK_MS = 60_000;

/** What the lines read tell of a campaign: when its `event=open` and `event=end` lines were written, where read. */
interface CampaignSeen {
  opened: number;
  ended: number;
}

/**
 * BAN lines kept whatever their age, beside those of the last ROTATION_REPEAT_MS (twice over, for clock slack), for the
 * copies that do not lead their file (nextFile): a start after a crash writes them after lines of its own.
 */
const KEPT_BANS = 1024;

/**
 * What the lines read before tell of a line. A `repeat=rotation` copy (src/service/recent-bans.ts) whose original was
 * read is no verdict; one whose original was not stands for its verdict, once (a second copy of it is none): with
 * copytruncate, a line written between logrotate's copy and its truncation is in neither file, only its copy is, and
 * fail2ban bans from that (found in review: the member's verdict was missing and its ban unexplained); so is a copy
 * whose original's file was deleted (`rotate N`) or not read (--since). The copies that lead a file repeat lines of
 * the file before it that holds one, which are kept when read there however far back (nextFile): looked for among the
 * last 1,024 BAN lines and those of the last 20 s alone, a line further back than both was counted twice, as itself
 * and as standing for it (found in review; the writer's clock stepped forward for a burst of BANs, then back).
 *
 * Parts that read as whole lines, known by the lines before them. An earlier version ended a part with a newline
 * alone, so two cuts leave a line with every key its verb carries (found in review):
 * - a `repeat=rotation` copy cut just before ` repeat=` is its BAN line again, byte for byte (the copy keeps its
 *   line's text, pid and time: src/service/recent-bans.ts). Only a copy repeats a line so; read as a line of its own,
 *   it was a second BAN verdict of its address.
 * - a lateral ALERT ends with its campaign: cut inside it (`campaign=c-...-1` of `c-...-12`), it was an alert of
 *   another campaign. Its watch was opened by the compromise ALERT of its login (`login_ip`, `user`), whose campaign
 *   is the whole id. Without that ALERT among the lines read (rotated away, skipped by --since): an id cut short of
 *   the grammar; and by the campaigns the lines before it name, an id one of them names that goes on from the alert's
 *   (the same minute, more digits) is its campaign cut short, unless the alert's own is a campaign read that was live
 *   at the login, neither opened after it nor ended before it (found in review: cut inside the number, the alert was
 *   of a campaign no line named, or of one that had ended).
 */
export class PartContext {
  /** Recent whole BAN lines as written, with their times, oldest first. */
  private readonly bans = new Map<string, number>();
  /** The time of the last BAN line read (not a copy's, which keeps its line's): the writer's clock then. */
  private latest = Number.NEGATIVE_INFINITY;
  /** The lines the next file's leading copies repeat (leading-copies.ts), and those of them read in this file. */
  private awaited: ReadonlySet<string> = new Set();
  private kept = new Set<string>();
  /** Those read in the file before, which this file's leading copies repeat. */
  private keptBefore = new Set<string>();
  /** The campaigns of the compromise ALERTs read, by login (address and user). */
  private readonly watches = new Map<string, Set<string>>();
  /** Every campaign a whole line read names (one entry each, as the report keeps one each). */
  private readonly campaigns = new Map<string, CampaignSeen>();
  /** Whole `repeat=rotation` copies that stand for their verdict: their line was read in no file before them. */
  copyVerdicts = 0;

  /** `read` (readLine) of `line`, a part with no verdict where the lines before tell it is one, or a copy standing. */
  read(line: string, read: ReadLine): ReadLine {
    const record = read.record;
    if (record === null) return read;
    const text = line.endsWith(TORN_END) ? line.slice(0, -TORN_END.length) : line;
    if (record.verb === 'BAN' && record.fields['repeat'] === undefined) {
      if (this.wasRead(text)) return { record: null, torn: true };
      if (!read.torn) this.rememberBan(text, record.time);
      if (!read.torn && this.awaited.has(text)) this.kept.add(text);
    } else if (record.verb === 'BAN') {
      // `repeat=` is the last field: the line before it is the copy's original, byte for byte.
      const original = text.slice(0, text.lastIndexOf(' repeat='));
      if (this.wasRead(original)) return read;
      if (!read.torn) {
        this.rememberBan(original, record.time, true);
        this.copyVerdicts++;
      }
      return { ...read, fromCopy: true };
    }
    if (read.torn) return read;
    const f = record.fields;
    if (record.verb === 'CAMPAIGN') this.seen(f['id']!, f['event'], decidedAt(record));
    else if (f['kind'] !== 'lateral' && f['campaign'] !== undefined) this.seen(f['campaign'], undefined, 0);
    if (record.verb !== 'ALERT') return read;
    if (f['kind'] === 'compromise') {
      const login = `${f['ip']} ${f['user']}`;
      const campaigns = this.watches.get(login) ?? new Set<string>();
      this.watches.set(login, campaigns.add(f['campaign']!));
      return read;
    }
    // Only where the campaign ends the line: followed by a key (`limit=256`), it is whole.
    const campaign = f['campaign'];
    if (f['kind'] !== 'lateral' || campaign === undefined || Object.keys(f).at(-1) !== 'campaign') return read;
    const watches = this.watches.get(`${f['login_ip']} ${f['user']}`);
    const cut =
      watches === undefined
        ? this.cutShort(campaign, record)
        : !watches.has(campaign) && [...watches].some((id) => id.startsWith(campaign));
    return cut ? { record: null, torn: true } : read;
  }

  /**
   * Called before each file that holds a line is read, with the lines the leading copies of the next such file repeat
   * (FileHeads.after): those read in it are kept whatever the window, until that file's turn is over.
   */
  nextFile(awaited: ReadonlySet<string>): void {
    this.keptBefore = this.kept;
    this.kept = new Set();
    this.awaited = awaited;
  }

  /** Whether a whole BAN line of this text was read before. */
  private wasRead(text: string): boolean {
    return this.bans.has(text) || this.kept.has(text) || this.keptBefore.has(text);
  }

  private seen(id: string, event: string | undefined, time: number): void {
    const campaign = this.campaigns.get(id) ?? { opened: Number.NEGATIVE_INFINITY, ended: Number.POSITIVE_INFINITY };
    if (event === 'open') campaign.opened = time;
    if (event === 'end') campaign.ended = time;
    this.campaigns.set(id, campaign);
  }

  /** Whether a lateral ALERT's `campaign`, its login's compromise ALERT not read, is an id cut short. */
  private cutShort(campaign: string, alert: VerdictRecord): boolean {
    if (!CAMPAIGN_ID.test(campaign)) return true;
    const longer = (id: string) => id.length > campaign.length && id.startsWith(campaign);
    if (![...this.campaigns.keys()].some(longer)) return false;
    const own = this.campaigns.get(campaign);
    if (own === undefined) return true;
    // The login: the connection was first seen `since_login` s after it, and alerted on `lifetime` s after that.
    const f = alert.fields;
    const login = decidedAt(alert) - (Number(f['since_login']) + Number(f['lifetime'])) * 1000;
    if (!Number.isFinite(login)) return false;
    return own.opened > login + LOGIN_SLACK_MS || own.ended < login - LOGIN_SLACK_MS;
  }

  /**
   * Keeps a BAN line: the last KEPT_BANS, and beyond them those stamped within twice ROTATION_REPEAT_MS before the
   * latest line or after it, which the writer may still copy (after its clock stepped back, lines stamped ahead of it).
   * At most two of the oldest are looked at per line, one that is kept going to the back: stopping at the first such
   * line, as this did, a line stamped a day ahead kept every line after it for that day (50,000 lines, 1 s apart).
   */
  private rememberBan(text: string, time: number, copy = false): void {
    this.bans.delete(text);
    this.bans.set(text, time);
    if (!copy) this.latest = time;
    for (let looked = 0; looked < 2 && this.bans.size > KEPT_BANS; looked++) {
      const [oldest, at] = this.bans.entries().next().value!;
      this.bans.delete(oldest);
      if (at >= this.latest - 2 * ROTATION_REPEAT_MS) this.bans.set(oldest, at);
    }
  }

  /** How many BAN lines are kept to find copies' lines by (rememberBan, nextFile). */
  get keptLines(): number {
    return this.bans.size + this.kept.size + this.keptBefore.size;
  }
}

/** When a verdict was decided: its `decided=` on a line written late, else its time. */
function decidedAt(record: VerdictRecord): number {
  const decided = record.fields['decided'];
  return decided === undefined ? record.time : Date.parse(decided);
}
