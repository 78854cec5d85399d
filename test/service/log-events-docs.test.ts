import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_EVENTS } from '../../src/service/log-events.js';

/**
 * Operators alert on the service log's `event` names: docs/service.md lists each in one table. A name renamed or
 * added in log-events.ts without the table, or a row for a name that is gone, would mislead those rules.
 */
describe("docs/service.md's table of log events", () => {
  const docs = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8');
  const rows = [...docs.matchAll(/^\| `([a-z0-9-]+)` \| ([A-Z, ]+) \|/gm)].map((m) => m[1]!);

  it('has one row for each event the service writes, and none for another', () => {
    expect([...rows].sort()).toEqual(Object.values(LOG_EVENTS).sort());
  });
});
