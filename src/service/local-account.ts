import { readFileSync, type Stats } from 'node:fs';

/** A local user as access checks need it (`check` runs as root, for whom access(2) says yes to everything). */
export interface Account {
  readonly name: string;
  readonly uid: number;
  /** Primary and supplementary groups (the package puts the user in adm and systemd-journal). */
  readonly gids: readonly number[];
}

/** A local user's uid and groups from /etc/passwd and /etc/group, or null when there is no such user. */
export function lookupAccount(name: string, etc = '/etc'): Account | null {
  try {
    const entry = readFileSync(`${etc}/passwd`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[0] === name);
    if (!entry) return null;
    const gids = [Number(entry[3])];
    for (const fields of readFileSync(`${etc}/group`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))) {
      if ((fields[3] ?? '').split(',').includes(name)) gids.push(Number(fields[2]));
    }
    return { name, uid: Number(entry[2]), gids };
  } catch {
    return null;
  }
}

/** The ids of those of the local groups `names` that exist (from /etc/group). */
export function groupIds(names: readonly string[], etc = '/etc'): number[] {
  try {
    return readFileSync(`${etc}/group`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .filter((fields) => names.includes(fields[0] ?? '') && fields[2] !== undefined)
      .map((fields) => Number(fields[2]));
  } catch {
    return [];
  }
}

/** Whether the mode bits (r=4, w=2, x=1) are the account's on a file of `stat`, as owner, group or other. No ACLs. */
export function modeAllows(stat: Pick<Stats, 'mode' | 'uid' | 'gid'>, account: Account, bits: number): boolean {
  const shift = Number(stat.uid) === account.uid ? 6 : account.gids.includes(Number(stat.gid)) ? 3 : 0;
  return ((Number(stat.mode) >> shift) & bits) === bits;
}
