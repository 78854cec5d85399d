import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine, TORN_END } from '../../src/verdict/verdict-line.js';
import { ban, campaignVerdict, fail2banLine } from './log-writers.js';
import { at, cut, f2bBan, tornSuite } from './torn-suite.js';

/**
 * Parts a full disk tore that a version before the mark (` (torn)`, docs/verdict-line.md) left unmarked: ended with
 * a newline alone at the restart, or still unfinished at the end of the file. Each case was found in review and
 * failed on main through the bundled program: a part counted as a verdict, two real verdicts merged, or a part's
 * numbers read as a campaign's.
 */
const suite = tornSuite('unmarked');
const f2bUnban = (t: number, ip: string) => fail2banLine(t, 'actions', 'NOTICE', `[f2b-campaign] Unban ${ip}`);
const f2bAlready = (t: number, ip: string) =>
  fail2banLine(t, 'actions', 'NOTICE', `[f2b-campaign] ${ip} already banned`);

const OPEN = formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 12, 'dictionary+surge'), 812);
const OTHER = formatVerdictLine(ban(at(0, 1), '192.0.2.1', 'c-1', 'dictionary+surge'), 812);
const OTHER_BANNED = f2bBan(at(0, 2), '192.0.2.1');
/** The BAN of 192.0.2.2 whole, and its first bytes up to and with `upTo`. */
const TORN = formatVerdictLine(ban(at(0, 3), '192.0.2.2', 'c-1', 'dictionary+surge'), 812);

interface Report {
  sources: { tornLines: number; malformedLines: number; verdictLines: number };
  campaigns: Array<{
    events: Array<{ members: number; signals: string[] }>;
    members: Array<{ ip: string; verdicts: Array<{ outcome: { status: string; at?: string; since?: string } }> }>;
  }>;
  unexplainedBans: unknown[];
}

/** `verdicts` is the verdict log's text as is (its last line may have no newline). */
async function audit(name: string, verdicts: string, fail2ban: string[]): Promise<Report> {
  return JSON.parse(await suite.audit(name, verdicts, fail2ban, ['--json'])) as Report;
}

const outcomesOf = (report: Report, ip: string) =>
  report.campaigns[0]!.members.find((m) => m.ip === ip)?.verdicts.map((v) => v.outcome) ?? [];

describe('a BAN part whose whole line never follows (the bundled CLI)', () => {
  // fail2ban reads whole lines only (filter.py FileContainer.readline): it never saw these.
  it.each([
    ['cut inside match=', ' match=jo'],
    ['cut where its last field ends, before the newline', ' probes=0'],
  ])('at the end of the file, %s: torn, and no verdict fail2ban did not carry out', async (name, upTo) => {
    const report = await audit(`eof-${name.split(' ')[2]}`, [OPEN, OTHER, cut(TORN, upTo)].join('\n'), [OTHER_BANNED]);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(report.campaigns[0]!.members.map((m) => m.ip)).toEqual(['192.0.2.1']);
    expect(report.unexplainedBans).toEqual([]);
  });

  // An earlier version ended it with a newline alone at the restart; the verdict made again was lost, or rotated away.
  it.each([
    ['ended with a newline alone', ''],
    ['marked by the restart', TORN_END],
  ])('followed by other lines, %s: torn, and the verdict of the ban fail2ban made from it', async (name, end) => {
    const lines = `${[OPEN, cut(TORN, ' reason=dict') + end, OTHER].join('\n')}\n`;
    const banned = await audit(`next-banned-${name.split(' ')[0]}`, lines, [
      f2bBan(at(0, 4), '192.0.2.2'),
      OTHER_BANNED,
    ]);
    expect(banned.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(outcomesOf(banned, '192.0.2.2')).toMatchObject([{ status: 'banned', at: new Date(at(0, 4)).toISOString() }]);
    expect(banned.unexplainedBans).toEqual([]);
    // fail2ban did nothing with it (read after findtime, say): no verdict, so no "never banned" to chase.
    const ignored = await audit(`next-ignored-${name.split(' ')[0]}`, lines, [OTHER_BANNED]);
    expect(ignored.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(ignored.campaigns[0]!.members.map((m) => m.ip)).toEqual(['192.0.2.1']);
  });

  // Its own whole line lost, a later verdict of its address that begins as it does is another: it has its own Ban.
  it('followed by a later verdict of its address, after an unban: two verdicts, each with its Ban', async () => {
    const later = formatVerdictLine(ban(at(120), '192.0.2.2', 'c-1', 'dictionary+surge'), 812);
    const report = await audit('next-later', `${[OPEN, cut(TORN, ' reason=dict'), later].join('\n')}\n`, [
      f2bBan(at(0, 4), '192.0.2.2'),
      f2bUnban(at(60, 4), '192.0.2.2'),
      f2bBan(at(120, 1), '192.0.2.2'),
    ]);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(outcomesOf(report, '192.0.2.2')).toMatchObject([
      { status: 'banned', at: new Date(at(0, 4)).toISOString() },
      { status: 'banned', at: new Date(at(120, 1)).toISOString() },
    ]);
    expect(report.unexplainedBans).toEqual([]);
  });
});

/**
 * Two whole BAN lines of one address whose later one's last value only goes on from the earlier one's: each ends in a
 * newline, and has every key such a BAN carries. The audit took the first for a part of the second: one verdict,
 * answered by the first Ban, the second Ban unexplained, a torn line where no disk was full.
 */
describe('a later BAN line whose last value extends an earlier whole one (the bundled CLI)', () => {
  it('keeps both verdicts, each answered by its own Ban, and counts nothing torn', async () => {
    const first = formatVerdictLine(ban(at(1), '198.51.100.7', 'c-1', 'dictionary+surge'), 812);
    const again = first.replace(' probes=0', ' probes=12');
    const lines = [
      OPEN,
      first.replace(' probes=0', ' probes=1'),
      again.replace(/^\S+/, new Date(at(120)).toISOString()),
    ];
    const report = await audit('extends', `${lines.join('\n')}\n`, [
      f2bBan(at(1, 1), '198.51.100.7'),
      f2bUnban(at(61, 1), '198.51.100.7'),
      f2bBan(at(120, 1), '198.51.100.7'),
    ]);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 0, malformedLines: 0 });
    expect(outcomesOf(report, '198.51.100.7')).toMatchObject([
      { status: 'banned', at: new Date(at(1, 1)).toISOString() },
      { status: 'banned', at: new Date(at(120, 1)).toISOString() },
    ]);
    expect(report.unexplainedBans).toEqual([]);
  });

  // Whatever fail2ban did: here its ban did not keep the address out, and it found the second already banned.
  it('keeps both verdicts when fail2ban found the second already banned', async () => {
    const first = formatVerdictLine(ban(at(1), '198.51.100.7', 'c-1', 'dictionary+surge'), 812);
    const again = first.replace(' probes=0', ' probes=12').replace(/^\S+/, new Date(at(20)).toISOString());
    const lines = [OPEN, first.replace(' probes=0', ' probes=1'), again];
    const report = await audit('extends-already', `${lines.join('\n')}\n`, [
      f2bBan(at(1, 1), '198.51.100.7'),
      f2bAlready(at(20, 1), '198.51.100.7'),
    ]);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 0, malformedLines: 0 });
    expect(outcomesOf(report, '198.51.100.7')).toMatchObject([
      { status: 'banned', at: new Date(at(1, 1)).toISOString() },
      { status: 'already-banned', since: new Date(at(1, 1)).toISOString() },
    ]);
  });
});

/**
 * A part an earlier version tore exactly where a field ends, before a key the whole line has and not every BAN does
 * (`protection`, `held`), ended with a newline alone; the restarted run wrote the verdict again, whole. fail2ban read
 * the part when the restart ended it and banned; the whole line was "already banned". The audit counted two verdicts.
 */
describe('an unmarked BAN part cut where a field ends, before an optional key (the bundled CLI)', () => {
  const compromise = banVerdict(at(1), '198.51.100.7', 'c-1', 'compromise+member', [['protection', 'overridden']]);
  const held = banVerdict(at(1), '198.51.100.7', 'c-1', 'dictionary', [
    ['match', 'join'],
    ['attempts', 2],
    ['probes', 0],
    ['held', 30],
  ]);
  it.each([
    ['before protection=', compromise, ' protection='],
    ['before held=', held, ' held='],
  ])(
    '%s: one verdict, answered by the Ban fail2ban made from the part, and one torn line',
    async (name, verdict, key) => {
      const whole = formatVerdictLine(verdict, 812);
      const part = whole.slice(0, whole.indexOf(key));
      const rewritten = formatVerdictLine({ ...verdict, time: at(3, 1) }, 9001);
      const report = await audit(`field-end-${name.split(' ')[1]}`, `${[OPEN, part, rewritten].join('\n')}\n`, [
        f2bBan(at(3), '198.51.100.7'),
        f2bAlready(at(3, 1), '198.51.100.7'),
      ]);
      expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
      expect(outcomesOf(report, '198.51.100.7')).toMatchObject([
        { status: 'banned', at: new Date(at(3)).toISOString() },
      ]);
      expect(report.unexplainedBans).toEqual([]);
    },
  );
});

/** A CAMPAIGN part an earlier version ended with a newline alone: its cut numbers are no event of the campaign. */
describe('an unmarked CAMPAIGN part (the bundled CLI)', () => {
  it.each([
    ['inside members=', ' members=1'],
    ['inside signals=', ' signals=dictionary+su'],
  ])('cut %s: torn, and no event', async (name, upTo) => {
    const report = await audit(`campaign-${name.split(' ')[1]}`, `${[cut(OPEN, upTo), OPEN, OTHER].join('\n')}\n`, [
      OTHER_BANNED,
    ]);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(report.campaigns[0]!.events).toEqual([
      expect.objectContaining({ members: 12, signals: ['dictionary', 'surge'] }),
    ]);
  });
});
