import { describe, expect, it } from 'vitest';
import { endsCut, readVerdictRecord } from '../../src/audit/verdict-records.js';

const HEAD = '2026-02-16T09:07:42.279Z f2b-campaign[4242]: ';

describe('readVerdictRecord', () => {
  it('reads a whole BAN line', () => {
    const record = readVerdictRecord(`${HEAD}BAN ip=101.222.219.194 campaign=c-1 reason=dictionary match=join`);
    expect(record?.fields['ip']).toBe('101.222.219.194');
  });

  // Found in review: the cut last line of a verdict log (a full disk tore it) named a bystander as banned.
  it('takes a line cut before its required keys as not a verdict', () => {
    expect(readVerdictRecord(`${HEAD}BAN ip=101.222.219.19`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}BAN ip=101.222.219.194 campaign=c-1`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}BAN campaign=c-1 ip=101.222.219.194 reason=x`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}CAMPAIGN id=c-1`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}CAMPAIGN id=c-1 event=open members=1`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}ALERT`)).toBeNull();
    expect(readVerdictRecord(`${HEAD}ALERT kind=compromise ip=58.93.235.14`)).toBeNull();
    // Cut inside its campaign id: every compromise ALERT has reason, signals and method after it.
    const alert = `${HEAD}ALERT kind=compromise ip=58.93.235.143 user=oracle campaign=c-202602160900-1`;
    expect(readVerdictRecord(alert)).toBeNull();
    expect(readVerdictRecord(`${alert}2 reason=member signals=dictionary method=password`)).not.toBeNull();
  });

  it('reads the shortest whole lines of each verb', () => {
    expect(readVerdictRecord(`${HEAD}BAN ip=192.0.2.1 campaign=c-1 reason=compromise+member`)).not.toBeNull();
    expect(
      readVerdictRecord(
        `${HEAD}CAMPAIGN id=c-1 event=end members=2 signals=none start=2026-02-16T09:00:37.896Z ` +
          'last_seen=2026-02-16T09:06:00.000Z',
      ),
    ).not.toBeNull();
    expect(
      readVerdictRecord(
        `${HEAD}ALERT kind=lateral reason=new-destination local_ip=10.0.0.5 local_port=40000 remote_ip=192.0.2.9 ` +
          'remote_port=22 lifetime=3 since_login=2 login_ip=58.93.235.143 user=oracle campaign=c-1',
      ),
    ).not.toBeNull();
  });
});

describe('endsCut', () => {
  const BAN = `${HEAD}BAN ip=192.0.2.1 campaign=c-1 reason=dictionary match=join attempts=2 probes=0`;
  const CAMPAIGN = `${HEAD}CAMPAIGN id=c-1 event=end members=2 signals=none start=2026-02-16T09:00:37.896Z`;
  const ALERT = `${HEAD}ALERT kind=compromise ip=58.93.235.143 user=oracle campaign=c-1 reason=member signals=none`;
  const cut = (line: string) => endsCut(readVerdictRecord(line)!);

  // An earlier version ended a part with a newline alone: cut inside the last value, every key is there.
  it.each([
    `${ALERT} method=pass`,
    `${ALERT} method=`,
    `${ALERT} method=keyboard-interactive/`,
    `${ALERT} method=password decided=2026-02-16T09:07:4`,
    `${BAN} protection=over`,
    `${BAN} repeat=rot`,
    `${CAMPAIGN} last_seen=2026-02-16T09:06:00`,
    `${CAMPAIGN} last_seen=2026-02-16T09:06:00.000Z why=cap`,
    `${HEAD}ALERT kind=lateral reason=smb local_ip=10.0.0.5 local_port=40000 remote_ip=192.0.2.9 remote_port=445 ` +
      'lifetime=0 since_login=2 login_ip=58.93.235.143 user=oracle campaign=c-1 limit=25',
  ])('is true of %s', (line) => {
    expect(cut(line)).toBe(true);
  });

  it.each([
    `${ALERT} method=password`,
    `${ALERT} method=keyboard-interactive/pam`,
    // A method no sshd we know names, and that begins none of theirs: sshd's own, not cut.
    `${ALERT} method=passkey`,
    `${ALERT} method=password decided=2026-02-16T09:07:40.000Z`,
    `${BAN} protection=overridden`,
    `${BAN} repeat=rotation`,
    // Open values: a cut inside them is told by the lines around (torn-parts.ts, part-context.ts), not here.
    BAN,
    `${BAN} held=1`,
    `${CAMPAIGN} last_seen=2026-02-16T09:06:00.000Z names=1`,
  ])('is false of %s', (line) => {
    expect(cut(line)).toBe(false);
  });
});
