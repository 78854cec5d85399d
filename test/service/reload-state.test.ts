import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { memoryLogger, realService, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** 40 addresses, each trying 2 names of one dictionary a minute apart, ending now: a campaign and its members. */
function campaignLog(): string {
  const lines: string[] = [];
  const end = Date.now();
  for (let i = 0; i < 40; i++) {
    for (let k = 0; k < 2; k++) {
      const time = new Date(end - (40 - i) * 30_000 + k * 60_000).toISOString();
      const from = `198.51.${100 + (i % 3)}.${10 + i} port ${40_000 + i}`;
      lines.push(`${time} host sshd[${1000 + i * 2 + k}]: Invalid user admin${k + (i % 4)} from ${from}`);
      lines.push(
        `${time} host sshd[${1000 + i * 2 + k}]: Failed password for invalid user admin${k + (i % 4)} from ${from} ssh2`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('a SIGHUP reload', () => {
  // The reload rebuilds the core from the running one's state in pieces (its rows read one at a time, so that the
  // two cores are not joined by a third copy of the state in memory): with an unchanged configuration, nothing of
  // that state may be lost or changed on the way.
  it('with the same configuration, leaves the core’s state exactly as it was, sources and campaigns included', async () => {
    const t = tempDir('svc-reload-state');
    cleanups.push(t.cleanup);
    mkdirSync(join(t.dir, 'net'));
    writeFileSync(join(t.dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
    writeFileSync(join(t.dir, 'auth.log'), campaignLog());
    const config = parseConfigText(
      [
        '[service]',
        'source = file',
        `auth_log = ${join(t.dir, 'auth.log')}`,
        `verdict_log = ${join(t.dir, 'verdicts.log')}`,
        `state_dir = ${join(t.dir, 'state')}`,
        `runtime_dir = ${join(t.dir, 'run')}`,
        `sockets_from = ${join(t.dir, 'net')}`,
        'start_at = start',
      ].join('\n'),
      'same.conf',
    );
    const service = realService(config, memoryLogger('info').log, resolveSettings(config), {
      reloadConfig: () => config,
    });
    await service.start();
    cleanups.push(() => service.stop());
    service.settle();
    type Detection = { trackedSources: number; campaigns: unknown[] };
    const detection = () => (service.status()?.core as { detection?: Detection } | undefined)?.detection;
    expect(detection()?.trackedSources).toBe(40);
    expect(detection()?.campaigns).toHaveLength(1);
    const before = JSON.stringify(service.snapshotState()?.core);
    await service.reload();
    expect(JSON.stringify(service.snapshotState()?.core)).toBe(before);
    expect(detection()?.trackedSources).toBe(40);
  });
});
