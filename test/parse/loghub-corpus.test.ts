import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { corpusFile } from '../helpers/corpora.js';

// Real sshd log from the Loghub collection (https://github.com/logpai/loghub), read in place from the shared corpora
// directory next to the project (../shared/corpora), or where F2B_CORPORA says; never copied into the project.
const CORPUS = corpusFile('loghub-openssh-2k.log');
const ADDRESS = /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g;

describe('Loghub OpenSSH 2k corpus', () => {
  const lines = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean);
  const parser = new SshdParser({ referenceTime: new Date(2026, 0, 31).getTime() });
  const parsed = lines.map((line) => ({ line, event: parser.parseLine(line) }));

  it('gives every connection that names an address in a failure, pre-auth close or success an event', () => {
    const pidOf = (line: string) => /sshd\[(\d+)\]/.exec(line)?.[1];
    const wanted = new Map<string, Set<string>>();
    const got = new Map<string, Set<string>>();
    for (const { line, event } of parsed) {
      const pid = pidOf(line);
      if (!pid) continue;
      if (/Failed |Invalid user|\[preauth\]|Accepted |Did not receive identification/.test(line)) {
        for (const [, ip] of line.matchAll(ADDRESS)) wanted.set(pid, (wanted.get(pid) ?? new Set()).add(ip!));
      }
      if (event) got.set(pid, (got.get(pid) ?? new Set()).add(event.ip));
    }
    const missing = [...wanted].filter(([pid, ips]) => ![...ips].some((ip) => got.get(pid)?.has(ip)));
    expect(wanted.size).toBeGreaterThan(300);
    expect(missing).toEqual([]);
  });

  it('never gives an event an address that is not written in its line', () => {
    for (const { line, event } of parsed) if (event) expect(line).toContain(event.ip);
  });

  it('counts `message repeated N times` as N attempts', () => {
    const repeated = parsed.filter(({ line }) => /message repeated \d+ times: \[ Failed password/.test(line));
    expect(repeated.length).toBeGreaterThan(0);
    for (const { line, event } of repeated) {
      expect(event?.count).toBe(Number(/repeated (\d+) times/.exec(line)![1]));
    }
  });

  it("charges the tries a PAM line announces under the host's name to its address (pid 24227: 1 + 5)", () => {
    const tries = parsed.filter(({ line, event }) => line.includes('sshd[24227]') && event !== null);
    const on = (ip: string) => tries.reduce((n, { event }) => n + (event!.ip === ip ? event!.count : 0), 0);
    expect(on('5.36.59.76')).toBe(6);
    expect(on('5.36.59.76.dynamic-dsl-ip.omantel.net.om')).toBe(0);
  });

  it('keeps reverse-DNS hostnames as names that are never banned', () => {
    const named = parsed.filter(({ event }) => event && !event.bannable);
    expect(named.length).toBeGreaterThan(0);
    for (const { event } of named) expect(event!.ip).toMatch(/[a-z]/i);
  });

  it('counts each Invalid user try once', () => {
    const pid = (line: string) => /sshd\[(\d+)\]/.exec(line)?.[1];
    const tried = parsed.filter(({ line }) => /Failed password for invalid user/.test(line));
    for (const { line, event } of tried) {
      const announced = parsed.some(
        (p) => pid(p.line) === pid(line) && p.line.includes('Invalid user') && p.event !== null,
      );
      // The first Failed line after its Invalid user line repeats that attempt.
      if (announced) expect(event?.count).toBeLessThanOrEqual(1);
    }
    expect(parser.stats.attempts).toBeLessThan(parsed.filter(({ event }) => event?.kind === 'failure').length);
  });
});
