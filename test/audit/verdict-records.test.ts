import { describe, expect, it } from 'vitest';
import { readVerdictRecord } from '../../src/audit/verdict-records.js';

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
    expect(readVerdictRecord(`${HEAD}ALERT`)).toBeNull();
  });

  it('reads the shortest whole lines of each verb', () => {
    expect(readVerdictRecord(`${HEAD}BAN ip=192.0.2.1 campaign=c-1 reason=compromise+member`)).not.toBeNull();
    expect(readVerdictRecord(`${HEAD}CAMPAIGN id=c-1 event=end`)).not.toBeNull();
    expect(readVerdictRecord(`${HEAD}ALERT kind=lateral reason=long-session`)).not.toBeNull();
  });
});
