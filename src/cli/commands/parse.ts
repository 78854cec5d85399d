import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { asciiJson } from '../../core/ascii-json.js';
import { readLines } from '../../parse/line-reader.js';
import { SshdParser } from '../../parse/sshd-parser.js';
import { escapeValue } from '../../verdict/verdict-line.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { inputFile } from '../input-file.js';

const usage = `usage: f2b-campaign parse FILE [--json] [--headerless]

Shows what f2b-campaign sees in an sshd log, like fail2ban-regex: one line per event on stdout (a username, the
client's text, quoted as on a verdict line, every byte outside printable ASCII as \\xHH; with --json, one
JSON object per event: line, time, kind, reason, ip, bannable, count, and as the line gives them port, user,
invalidUser, method, pid, host, repeated), and a summary of lines read, recognised and skipped (and why) on stderr.
A .gz file is decompressed; FILE - reads standard input, a pipe too (zcat auth.log.2.gz | f2b-campaign parse -).

  --json         one JSON object per event
  --headerless   the file was written by \`sshd -E\` (no timestamp, no program name): events get the file's mtime`;

export const parseCommand: Command = {
  name: 'parse',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean', default: false }, headerless: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('expected exactly one FILE');
    const input = inputFile(file, 'FILE');
    const mtime = input.mtime;
    const parser = new SshdParser(
      values.headerless ? { referenceTime: mtime, fallbackTime: () => mtime } : { referenceTime: mtime },
    );
    const out: string[] = [];
    let lineNo = 0;
    for await (const line of readLines(input.path)) {
      lineNo++;
      const event = parser.parseLine(line);
      if (event === null) continue;
      const time = new Date(event.time).toISOString();
      out.push(
        values.json
          ? asciiJson({ line: lineNo, ...event, time })
          : `${lineNo}\t${time}\t${event.kind}${event.count === 1 ? '' : `x${event.count}`}\t${event.ip}${event.bannable ? '' : ' (hostname: never banned)'}\t${event.reason}${event.user === undefined ? '' : `\tuser=${escapeValue(event.user)}`}`,
      );
      // A slow reader (| less) holds the rest of the file back, rather than all of its events in memory.
      if (out.length >= 4096 && !process.stdout.write(`${out.splice(0).join('\n')}\n`)) await drained();
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    const s = parser.stats;
    const skipped = Object.entries(s.skipped)
      .filter(([, n]) => n > 0)
      .map(([why, n]) => `${why} ${n}`)
      .join(', ');
    const kinds = s
      .kindsSeen()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    process.stderr.write(
      `lines read ${s.lines}, events ${s.events} (attempts ${s.attempts}${kinds ? `; ${kinds}` : ''}), ` +
        `recognised without event ${s.skipped['no-event']}, skipped ${skipped || 'none'}\n`,
    );
    return 0;
  },
};

/** Standard output has taken what it buffered, or is gone (a closed pipe ends the program from its 'error'). */
async function drained(): Promise<void> {
  await Promise.race([once(process.stdout, 'drain'), once(process.stdout, 'close')]);
}
