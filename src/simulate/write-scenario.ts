import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScenarioBuilder } from './scenario-builder.js';
import { DAY0, type ScenarioSpec } from './scenarios.js';
import type { Session, Truth } from './session.js';
import { type LogLine, sessionLines } from './sshd-lines.js';
import { type Peer, traceBlock } from './tcp-table.js';

export interface ScenarioFiles {
  readonly authLog: string;
  readonly sockets: string;
  readonly truth: string;
  readonly lines: number;
  readonly samples: number;
}

/** Builds a scenario: its sessions and its truth (who is a member, who is benign). */
function buildScenario(spec: ScenarioSpec, seed: number): { sessions: Session[]; truth: Truth } {
  const b = new ScenarioBuilder(seed * 7919 + spec.name.length);
  const start = DAY0 + spec.offset;
  const end = start + spec.duration;
  const passwordPhase = spec.build(b, start, end);
  const truth: Truth = {
    scenario: spec.name,
    description: spec.description,
    start,
    end,
    members: b.byRole('member'),
    benign: b.byRole('benign'),
    scanners: b.byRole('scanner'),
    campaign: spec.campaign,
    passwordPhase,
    recogniseWithin: spec.recogniseWithin,
    laterMembersAtFirstAttempt: spec.laterMembersAtFirstAttempt,
  };
  return { sessions: b.sessions().filter((s) => s.start < end), truth };
}

async function writeAll(path: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* logText(lines: readonly LogLine[]): Iterable<string> {
  for (const line of lines) yield `${line.text}\n`;
}

/** One block per sampling instant, listing the connections open at that instant. */
function* traceText(sessions: readonly Session[], start: number, end: number, interval: number): Iterable<string> {
  let next = 0;
  const open = new Map<Session, Peer>();
  for (let t = start; t < end; t += interval) {
    while (next < sessions.length && sessions[next]!.start <= t) {
      const s = sessions[next]!;
      open.set(s, { ip: s.ip, port: s.port, inode: 200_000 + next });
      next++;
    }
    for (const s of open.keys()) if (s.end <= t) open.delete(s);
    yield traceBlock(t, [...open.values()]);
  }
}

/** Writes auth.log, sockets.trace and truth.json for a scenario into `dir`. */
export async function writeScenario(spec: ScenarioSpec, dir: string, seed = 1): Promise<ScenarioFiles> {
  await mkdir(dir, { recursive: true });
  const { sessions, truth } = buildScenario(spec, seed);
  const lines = sessions.flatMap(sessionLines).filter((l) => l.time < truth.end);
  lines.sort((a, b) => a.time - b.time);
  const files = {
    authLog: join(dir, 'auth.log'),
    sockets: join(dir, 'sockets.trace'),
    truth: join(dir, 'truth.json'),
  };
  await writeAll(files.authLog, logText(lines));
  await writeAll(files.sockets, traceText(sessions, truth.start, truth.end, spec.sampleInterval));
  await writeFile(files.truth, `${JSON.stringify(truth, null, 2)}\n`);
  return { ...files, lines: lines.length, samples: Math.ceil(spec.duration / spec.sampleInterval) };
}
