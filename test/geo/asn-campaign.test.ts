import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/simulate/replay-scenario.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { writeAsnDatabase, writeMmdb } from '../helpers/mmdb.js';

/**
 * A fleet spread over one provider's ranges, through the shipped program: `f2b-campaign replay --config` naming an
 * ASN database written by MaxMind's own writer, on an sshd log as rsyslog writes it.
 */
const cli = bundledCliSuite('asn-campaign');
const dir = cli.dir;

const START = Date.UTC(2026, 1, 16, 9);
/** 24 addresses, each in a /16 of its own: no /24 or /16 holds two of them. */
const FLEET = Array.from({ length: 24 }, (_, i) => `185.${100 + i}.${(i * 7) % 250}.${20 + i}`);

/** A name of its own for each try, in no order (an alphabetical or numbered sequence is the ordered signal). */
function scrambled(n: number): string {
  return `x${(Math.imul(n + 1, 2654435761) >>> 0).toString(36)}`;
}

/**
 * Each address tries three times, 300 s apart (a shared tempo: rhythm), starting 45 s after the one before, each
 * try a name nobody else tries (no dictionary), for half an hour: no address fails in three findtime windows (no
 * persistence). Rhythm alone is one signal, one short of a candidate (min_signals 2); the AS is the second.
 */
function fleetLog(): string {
  const tries: Array<[number, string, string]> = [];
  FLEET.forEach((ip, i) => {
    for (let k = 0; k < 3; k++) tries.push([START + i * 45_000 + k * 300_000, ip, scrambled(i * 3 + k)]);
  });
  return tries
    .sort((a, b) => a[0] - b[0])
    .map(([time, ip, user]) => failedTry(ip, time, user))
    .join('');
}

async function replay(config: string | null, before = ''): Promise<{ code: number; lines: string[]; stderr: string }> {
  const log = join(dir, 'auth.log');
  writeFileSync(log, before + fleetLog());
  const out = join(dir, `verdicts-${config === null ? 'none' : 'asn'}.log`);
  writeFileSync(out, '');
  const args = ['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', out];
  const r = await cli.run(config === null ? args : [...args, '--config', config]);
  return { code: r.code, lines: readFileSync(out, 'utf8').split('\n').filter(Boolean), stderr: r.stderr };
}

describe('a campaign spread over one autonomous system, replayed', () => {
  it('is banned on locality with the ASN database, and not on locality without it', async () => {
    const db = writeAsnDatabase(join(dir, 'asn.mmdb'), [['185.96.0.0/11', 64500]]);
    // The fleet's countries, eight addresses each: they explain the CAMPAIGN lines, and ban nobody.
    const countries = writeMmdb(join(dir, 'country.mmdb'), 'GeoLite2-Country', [
      ['185.100.0.0/14', { country: { iso_code: 'NL' } }],
      ['185.104.0.0/14', { country: { iso_code: 'NL' } }],
      ['185.108.0.0/14', { country: { iso_code: 'DE' } }],
      ['185.112.0.0/14', { country: { iso_code: 'DE' } }],
      ['185.116.0.0/14', { country: { iso_code: 'FR' } }],
      ['185.120.0.0/14', { country: { iso_code: 'FR' } }],
    ]);
    const conf = join(dir, 'asn.conf');
    writeFileSync(conf, `[detection]\nasn_database = ${db}\ncountry_database = ${countries}\n`);
    const withDb = await replay(conf);
    expect(withDb.code, withDb.stderr).toBe(0);
    const without = await replay(null);
    expect(without.code, without.stderr).toBe(0);
    const bans = (lines: string[]) => lines.filter((l) => l.includes(' BAN '));
    const banned = new Set(bans(withDb.lines).map((l) => /ip=(\S+)/.exec(l)![1]));
    expect(banned.size, withDb.lines.join('\n')).toBeGreaterThanOrEqual(FLEET.length - 5);
    expect([...banned].every((ip) => FLEET.includes(ip!))).toBe(true);
    expect(bans(withDb.lines).every((l) => /reason=\S*locality/.test(l))).toBe(true);
    const campaign = withDb.lines.filter((l) => l.includes(' CAMPAIGN '));
    expect(campaign[0]).toMatch(/ event=open members=5 signals=rhythm\+locality .* block=AS64500 countries=1$/);
    // The members so far, by country: the first five all in NL, then NL and DE, then all three.
    expect(campaign.map((l) => / countries=(\d+)$/.exec(l)?.[1])).toEqual(['1', '2', '3']);
    // Without it each address is in a block of its own: the tempo alone is one signal, and nobody is banned.
    expect(without.lines.filter((l) => /locality|BAN/.test(l))).toEqual([]);
    // A user of the same provider logged in twenty minutes before: the AS has real users, and is no attacker block.
    const spared = await replay(conf, passwordLogin('185.97.1.1', START - 20 * 60_000, 'alice'));
    expect(spared.code, spared.stderr).toBe(0);
    expect(spared.lines.filter((l) => /locality|BAN/.test(l))).toEqual([]);
  }, 120_000);

  it('stops before any work when the database cannot be read, naming the key and the file', async () => {
    const conf = join(dir, 'missing.conf');
    writeFileSync(conf, `[detection]\nasn_database = ${join(dir, 'GeoLite2-ASN.mmdb')}\n`);
    const r = await replay(conf);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[detection] asn_database = ${join(dir, 'GeoLite2-ASN.mmdb')}: cannot be read (ENOENT)`);
    expect(r.lines).toEqual([]);
  }, 60_000);
});

describe('the benign traps with every address in one autonomous system', () => {
  it('bans none of the benign day, as without the database', async () => {
    const everything = writeAsnDatabase(join(dir, 'one-as.mmdb'), [
      ['0.0.0.0/1', 64500],
      ['128.0.0.0/1', 64500],
      ['::/1', 64500],
      ['8000::/1', 64500],
    ]);
    const spec = findScenario('benign-day')!;
    const files = await writeScenario(spec, join(dir, spec.name));
    const { score, verdicts } = await replayScenario(files, { asn_database: everything });
    expect(score.benignBanned).toEqual([]);
    expect(verdicts.filter((v) => v.verb === 'BAN')).toEqual([]);
    expect(score.campaigns).toBe(0);
  }, 120_000);
});
