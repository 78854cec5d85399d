import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { type Connection, normalTraffic, sampleHost } from './host-traffic.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

const T0 = Date.parse('2026-02-15T08:00:00Z');
const LOGIN = T0 + 3 * 3_600_000 + 1_000;
const END = LOGIN + 3_600_000;
const S = 1000;

/** What the intruder does from the host after logging in, seconds after the login. */
const intrusion: Connection[] = [
  { local: '10.0.0.5', localPort: 22, remote: '203.0.113.7', remotePort: 51000, start: LOGIN - 30 * S, end: END },
  {
    local: '10.0.0.5',
    localPort: 41001,
    remote: '10.0.0.40',
    remotePort: 445,
    start: LOGIN + 119 * S,
    end: LOGIN + 130 * S,
  },
  {
    local: '10.0.0.5',
    localPort: 41002,
    remote: '10.0.0.41',
    remotePort: 3389,
    start: LOGIN + 179 * S,
    end: LOGIN + 200 * S,
  },
  {
    local: '10.0.0.5',
    localPort: 41003,
    remote: '10.0.0.42',
    remotePort: 5985,
    start: LOGIN + 239 * S,
    end: LOGIN + 245 * S,
  },
  {
    local: '10.0.0.5',
    localPort: 41004,
    remote: '10.0.0.43',
    remotePort: 22,
    start: LOGIN + 299 * S,
    end: LOGIN + 320 * S,
  },
  {
    local: '10.0.0.5',
    localPort: 41005,
    remote: '10.0.0.20',
    remotePort: 5432,
    start: LOGIN + 399 * S,
    end: LOGIN + 1246 * S,
  },
];

function run(samples: readonly SocketSample[], login: boolean): { core: AlertCore; verdicts: Verdict[] } {
  const core = new AlertCore({}, tableLookup({ members: { '203.0.113.7': C1 } }));
  const verdicts: Verdict[] = [];
  let loggedIn = !login;
  for (const sample of samples) {
    if (!loggedIn && sample.time > LOGIN) {
      verdicts.push(...core.onAuthEvent(accepted(LOGIN, '203.0.113.7', 'oracle')));
      loggedIn = true;
    }
    verdicts.push(...core.onSocketSample(sample));
  }
  return { core, verdicts };
}

const lateral = (verdicts: Verdict[]) =>
  verdicts.filter((v) => v.fields[0]?.[1] === 'lateral').map((v) => Object.fromEntries(v.fields));

describe('lateral-movement alerts', () => {
  const normal = normalTraffic(T0, END, 50_000);
  const withIntrusion = sampleHost([...normal, ...intrusion], T0, END, 5 * S);

  it('raises one alert per unusual outbound connection after a campaign login, with its evidence', () => {
    const alerts = lateral(run(withIntrusion, true).verdicts);
    expect(alerts.map((a) => `${a.remote_ip}:${a.remote_port} ${a.reason}`)).toEqual([
      '10.0.0.40:445 smb+new-destination',
      '10.0.0.41:3389 rdp+new-destination',
      '10.0.0.42:5985 winrm+new-destination',
      '10.0.0.43:22 ssh+new-destination',
      '10.0.0.20:5432 long-session',
    ]);
    expect(alerts[0]).toMatchObject({
      local_ip: '10.0.0.5',
      local_port: 41001,
      since_login: 119,
      lifetime: 0,
      login_ip: '203.0.113.7',
      user: 'oracle',
      campaign: 'c-0001',
    });
    // The 2 s queries sample as "under a second": p95 bucket 1 s, so the session alerts once past 60 s.
    expect(alerts[4]).toMatchObject({ local_port: 41005, baseline_p95: 1, lifetime: 65, since_login: 399 });
  });

  it('stays quiet for the normal traffic that continues after the login (backup SSH, queries, HTTPS)', () => {
    const quiet = sampleHost([...normal, intrusion[0]!], T0, END, 5 * S);
    const { verdicts } = run(quiet, true);
    expect(verdicts.map((v) => Object.fromEntries(v.fields).kind)).toEqual(['compromise']);
  });

  it('stays quiet for the very same connections when no suspicious login preceded them', () => {
    expect(run(withIntrusion, false).verdicts).toEqual([]);
  });

  it('does not learn the intruder traffic into the baseline, and resumes from a snapshot', () => {
    const half = withIntrusion.findIndex((s) => s.time > LOGIN + 100 * S);
    const first = run(withIntrusion.slice(0, half), true);
    const restored = new AlertCore(
      {},
      tableLookup({ members: { '203.0.113.7': C1 } }),
      JSON.parse(JSON.stringify(first.core.snapshot())),
    );
    const rest = withIntrusion.slice(half).flatMap((s) => restored.onSocketSample(s));
    expect(lateral(rest).map((a) => a.reason)).toEqual([
      'smb+new-destination',
      'rdp+new-destination',
      'winrm+new-destination',
      'ssh+new-destination',
      'long-session',
    ]);
    const status = restored.status() as { baseline: { destinations: number } };
    expect(status.baseline.destinations).toBe(3);
  });

  it('forgets the least recently used destinations beyond baseline_max_destinations', () => {
    const many: Connection[] = Array.from({ length: 40 }, (_, i) => ({
      local: '10.0.0.5',
      localPort: 30_000 + i,
      remote: `10.9.0.${i + 1}`,
      remotePort: 443,
      start: T0 + i * 10 * S,
      end: T0 + i * 10 * S + S,
    }));
    const core = new AlertCore({ baseline_max_destinations: 16 }, tableLookup({}));
    // A connection is learned LATE_LINE (5 min) after it closed, when no late login line has claimed it.
    for (const s of sampleHost(many, T0, T0 + 800 * S, 5 * S)) core.onSocketSample(s);
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 40, destinations: 16 } });
  });
});
