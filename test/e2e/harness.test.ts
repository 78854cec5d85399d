import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { holdConnections, keyLogin, passwordAttempt, sshdPeers, tcpConnect } from './harness/attack-driver.js';
import { type Environment, setUpEnvironment } from './harness/environment.js';
import { waitFor } from './harness/wait.js';

// The e2e harness on its own, without f2b-campaign: each part must work, or the campaign test's "the sshd jail
// bans nothing" and "the next connection is dropped" would prove nothing.
describe('e2e harness: real sshd, fail2ban and nftables in a network namespace', () => {
  let env: Environment;
  beforeAll(async () => {
    env = await setUpEnvironment('f2b-e2e-h', 'loopback');
  }, 60_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('lets the test user log in with its key, from a 127.x source address', async () => {
    const login = await keyLogin(env.netns, '127.0.0.200', env.user.name, env.user.privateKey);
    expect(login).toEqual({ outcome: 'accepted', detail: `logged-in-as-${env.user.name}` });
  });

  it('has an sshd jail that bans a source reaching maxretry, after which its connections are refused', async () => {
    // Three unknown users cost 6 failures in fail2ban 1.0.2's sshd filter: over maxretry (5).
    for (const user of ['admin', 'oracle', 'test']) {
      expect((await passwordAttempt(env.netns, '127.0.0.220', user, 'x')).outcome).toBe('auth-failed');
    }
    await waitFor('the sshd jail to ban 127.0.0.220', () => env.fail2ban.banned('sshd').includes('127.0.0.220'), {
      timeoutMs: 15_000,
    });
    // fail2ban lists the ban before its action has run `nft add element`: wait for the kernel's set.
    await waitFor('the nftables set to hold 127.0.0.220', () => env.fail2ban.nftSet('sshd').length > 0, {
      timeoutMs: 10_000,
    });
    expect(env.fail2ban.nftSet('sshd')).toEqual(['127.0.0.220']);
    const [after] = await tcpConnect(env.netns, ['127.0.0.220']);
    expect(after?.outcome).toBe('refused');
  }, 60_000);

  it('has the bundled f2b-campaign jail ban the address of a BAN verdict line, and only that address', async () => {
    const line = formatVerdictLine(banVerdict(Date.now(), '127.0.0.77', 'c-harness', 'test'), 4242);
    appendFileSync(env.verdictLog, `${line}\n`);
    await waitFor('the f2b-campaign jail to ban 127.0.0.77', () => env.fail2ban.banned('f2b-campaign').length > 0, {
      timeoutMs: 15_000,
    });
    expect(env.fail2ban.banned('f2b-campaign')).toEqual(['127.0.0.77']);
    await waitFor('the nftables set to hold 127.0.0.77', () => env.fail2ban.nftSet('f2b-campaign').length > 0, {
      timeoutMs: 10_000,
    });
    expect(env.fail2ban.nftSet('f2b-campaign')).toEqual(['127.0.0.77']);
    const outcomes = await tcpConnect(env.netns, ['127.0.0.77', '127.0.0.78']);
    expect(outcomes.map((o) => [o.source, o.outcome])).toEqual([
      ['127.0.0.77', 'refused'],
      ['127.0.0.78', 'connected'],
    ]);
  }, 30_000);

  it("ends the sshd connections an address it bans still has open (sshd would keep them until LoginGraceTime), and no one else's", async () => {
    const held = holdConnections(env.netns, ['127.0.0.81', '127.0.0.82']);
    try {
      await waitFor(
        'sshd to hold a connection from 127.0.0.81 and one from 127.0.0.82',
        () => {
          const peers = sshdPeers(env.netns);
          return peers.includes('127.0.0.81') && peers.includes('127.0.0.82');
        },
        { timeoutMs: 10_000 },
      );
      const line = formatVerdictLine(banVerdict(Date.now(), '127.0.0.81', 'c-harness', 'test'), 4242);
      appendFileSync(env.verdictLog, `${line}\n`);
      await waitFor(
        'the f2b-campaign jail to ban 127.0.0.81',
        () => env.fail2ban.banned('f2b-campaign').includes('127.0.0.81'),
        {
          timeoutMs: 15_000,
        },
      );
      // Without f2b-campaign-kill this waits in vain: the ban rejects the address's packets, and sshd, which never
      // hears the connection close, keeps it for LoginGraceTime (120 s), counted against MaxStartups.
      await waitFor("sshd's connection from 127.0.0.81 to end", () => !sshdPeers(env.netns).includes('127.0.0.81'), {
        timeoutMs: 10_000,
      });
      expect(env.sshdLog.text()).toMatch(/Connection from 127\.0\.0\.81 port \d+: Software caused connection abort/);
      expect(sshdPeers(env.netns)).toContain('127.0.0.82');
    } finally {
      held.kill();
    }
  }, 40_000);
});
