import { join } from 'node:path';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS, type Fail2banThresholds } from '../../src/core/fail2ban-thresholds.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict, VerdictValue } from '../../src/core/verdict.js';
import { newSource, type SourceState } from '../../src/correlate/source-state.js';
import { readLines } from '../../src/parse/line-reader.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { socketRow } from '../helpers/socket-row.js';

export const T0 = Date.UTC(2026, 1, 16, 9);
export const S = 1000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;

export const THRESHOLDS: Fail2banThresholds = {
  ...DEBIAN_DEFAULT_THRESHOLDS,
  ignoreip: ['127.0.0.1/8', '::1', '192.0.2.0/24'],
};

/** A failed password attempt, as the parser makes it of an `Invalid user` / `Failed password` pair. */
export function failure(ip: string, time: number, user = 'admin', invalidUser = user !== 'root'): AuthEvent {
  return { time, kind: 'failure', reason: 'failed-password', ip, bannable: true, count: 1, user, invalidUser };
}

export function probe(ip: string, time: number): AuthEvent {
  return { time, kind: 'probe', reason: 'closed-preauth', ip, bannable: true, count: 1 };
}

export function success(ip: string, time: number, user = 'alice'): AuthEvent {
  return { time, kind: 'success', reason: 'accepted', ip, bannable: true, count: 1, user, method: 'password' };
}

/** A source state as the detector keeps it, for signals tested on their own. */
export function source(ip: string, time = T0): SourceState {
  return newSource(ip, time);
}

/** sshd's listening sockets (root's, on 0.0.0.0) on `ports`: only connections one covers are sshd's (sshd-sockets.ts). */
export function sshdListening(ports: readonly number[] = [22]): SocketSample['rows'] {
  return ports.map((port) => ({
    family: 4,
    localIp: '0.0.0.0',
    localPort: port,
    remoteIp: '0.0.0.0',
    remotePort: 0,
    state: 'LISTEN',
    txQueue: 0,
    rxQueue: 0,
    uid: 0,
    inode: 1,
  }));
}

/** One /proc/net/tcp sample holding the given established inbound SSH peers, then sshd's listener on port 22. */
export function sample(time: number, peers: ReadonlyArray<readonly [ip: string, port: number]>): SocketSample {
  return {
    time,
    rows: [
      ...peers.map(
        ([ip, port], i): SocketRow =>
          socketRow({ localIp: '192.0.2.10', localPort: 22, remoteIp: ip, remotePort: port, inode: 1000 + i }),
      ),
      ...sshdListening(),
    ],
  };
}

/** `n` addresses of distinct /16s, so locality never ties them. */
export function spread(n: number, first = 100): string[] {
  return Array.from({ length: n }, (_, i) => `${first + (i % 100)}.${10 + i}.${(i * 7) % 250}.${1 + (i % 200)}`);
}

/** A verdict's value for `key`, or undefined. */
export function verdictField(v: Verdict, key: string): VerdictValue | undefined {
  return v.fields.find(([k]) => k === key)?.[1];
}

const SPRAYED = ['admin', 'oracle', 'ubuntu', 'guest', 'test'];

/**
 * `ips` (eight of distinct /16s by default) each trying `rounds` names of one shared dictionary on a 167 s rhythm,
 * 40 s apart: with eight, a live campaign by T0 + 15 min.
 */
export function rhythmCampaign(ips: readonly string[] = spread(8), rounds = 3): AuthEvent[] {
  const events: AuthEvent[] = [];
  ips.forEach((ip, i) => {
    for (let k = 0; k < rounds; k++) events.push(failure(ip, T0 + i * 40 * S + k * 167 * S, SPRAYED[(i + k) % 5]!));
  });
  return events.sort((a, b) => a.time - b.time);
}

/** A simulator scenario's sshd log, written under `dir` and read back through the parser as replay reads it. */
export async function scenarioEvents(name: string, dir: string): Promise<AuthEvent[]> {
  const files = await writeScenario(findScenario(name)!, join(dir, name));
  const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
  const events: AuthEvent[] = [];
  for await (const line of readLines(files.authLog)) {
    const event = parser.parseLine(line);
    if (event) events.push(event);
  }
  return events;
}
