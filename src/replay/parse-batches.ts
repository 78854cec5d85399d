import type { AuthEvent } from '../core/auth-event.js';
import type { SshdParser } from '../parse/sshd-parser.js';

/** Batches of lines parsed into batches of events (what replayLogs takes); batches with no event are skipped. */
export async function* parseBatches(
  lines: AsyncIterable<readonly string[]>,
  parser: SshdParser,
): AsyncGenerator<AuthEvent[]> {
  for await (const batch of lines) {
    const events: AuthEvent[] = [];
    for (const line of batch) {
      const event = parser.parseLine(line);
      if (event !== null) events.push(event);
    }
    if (events.length > 0) yield events;
  }
}
