import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { MIN, probe, S, sample, spread, T0, THRESHOLDS } from './helpers.js';

/**
 * Found in review: a monitoring probe connects every 60 s, holds its connection 30 s and closes before
 * authenticating. Four addresses copying that shape for two minutes shared its lifetime, and with the probes of all
 * five a campaign opened on lifetime+probing and banned the monitor, a source that never tried a password.
 */

const MONITOR = '198.51.100.50';

/** Connections as [ip, opened, closed]; each closes with a pre-auth probe line; samples every 5 s. */
function replay(detector: CampaignDetector, connections: Array<[string, number, number]>, until: number): Verdict[] {
  type Input = { time: number; event?: AuthEvent; sample?: SocketSample };
  const inputs: Input[] = connections.map(([ip, , closed]) => ({ time: closed, event: probe(ip, closed) }));
  for (let t = T0; t <= until; t += 5 * S) {
    const open = connections.flatMap(([ip, opened, closed], i) =>
      opened <= t && t < closed ? [[ip, 40_000 + i] as const] : [],
    );
    const rows = sample(t, open).rows.map((row) => ({ ...row, inode: row.remotePort }));
    inputs.push({ time: t, sample: { time: t, rows } });
  }
  inputs.sort((a, b) => a.time - b.time || (a.sample ? -1 : 1));
  return inputs.flatMap((i) => [...(i.event ? detector.onAuthEvent(i.event) : detector.onSocketSample(i.sample!))]);
}

describe('a connection shape copied from a source keeping its own schedule', () => {
  function scene(copycats: number): Verdict[] {
    const connections: Array<[string, number, number]> = [];
    for (let m = 0; m < 12; m++) connections.push([MONITOR, T0 + m * MIN, T0 + m * MIN + 30 * S]);
    for (const [i, ip] of spread(copycats).entries()) {
      for (let k = 0; k < 2; k++) {
        const opened = T0 + 10 * MIN + i * 7 * S + k * MIN;
        connections.push([ip, opened, opened + 30 * S]);
      }
    }
    return replay(new CampaignDetector({}, THRESHOLDS), connections, T0 + 13 * MIN);
  }

  it('does not ban the monitoring probe when four addresses copy its lifetime', () => {
    const banned = scene(4)
      .filter((v) => v.verb === 'BAN')
      .map((v) => v.fields.find(([k]) => k === 'ip')?.[1]);
    expect(banned).not.toContain(MONITOR);
  });

  it('still shares the lifetime among the copycats themselves (the signal is not off)', () => {
    const detector = new CampaignDetector({}, THRESHOLDS);
    const connections: Array<[string, number, number]> = [];
    for (const [i, ip] of spread(5).entries()) {
      for (let k = 0; k < 2; k++) connections.push([ip, T0 + i * 7 * S + k * MIN, T0 + i * 7 * S + k * MIN + 30 * S]);
    }
    const verdicts = replay(detector, connections, T0 + 4 * MIN);
    const opened = verdicts.find((v) => v.verb === 'CAMPAIGN');
    expect(String(opened?.fields.find(([k]) => k === 'signals')?.[1])).toContain('lifetime');
  });
});
