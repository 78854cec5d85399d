// Found by hand mutation testing: Planted addresses in the two sshd forms the attacker-text properties miss.
import { describe, expect, it } from 'vitest';
import { SshdParser } from '../../src/parse/sshd-parser.js';

const H = 'Feb 15 14:23:12 web1 sshd[4242]: ';
const parse = (message: string) => new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(H + message);

describe('planted addresses in forms the properties do not generate', () => {
  it('ssh_dispatch_run_fatal: a username holding `A port N: ` never moves the address', () => {
    const u = 'x 10.0.0.1 port 22: y';
    const e = parse(
      `ssh_dispatch_run_fatal: Connection from invalid user ${u} 203.0.113.9 port 5555: message authentication code incorrect [preauth]`,
    );
    expect(e?.ip).toBe('203.0.113.9');
  });

  it('Change of username: a username repeating the form before the address is skipped or read right', () => {
    // packet.c: logit("Disconnecting %s: %.100s", remote_id, buf): the tail repeats the username, cut at 100.
    const u = 'x 10.0.0.1 port 22: Change of username or service not allowed: y';
    const tail = `Change of username or service not allowed: (${u},ssh-connection) -> (root,ssh-connection)`.slice(
      0,
      100,
    );
    const e = parse(`Disconnecting invalid user ${u} 203.0.113.9 port 5555: ${tail} [preauth]`);
    if (e !== null) expect(e.ip).toBe('203.0.113.9');
    expect(e?.ip).not.toBe('10.0.0.1');
  });

  it("Change of username: a username planting sshd's own address with another port counts, with no port", () => {
    // Both readings name 203.0.113.9: the address is sshd's whichever is; the port is not known (docs/parser.md).
    const u = 'x 203.0.113.9 port 22: Change of username or service not allowed: y';
    const tail = `Change of username or service not allowed: (${u},ssh-connection) -> (root,ssh-connection)`.slice(
      0,
      100,
    );
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
    const e = parser.parseLine(`${H}Disconnecting invalid user ${u} 203.0.113.9 port 5555: ${tail} [preauth]`);
    expect(e).toMatchObject({ ip: '203.0.113.9', kind: 'failure' });
    expect(e?.port).toBeUndefined();
    expect(parser.stats.skipped.ambiguous).toBe(0);
  });
});
