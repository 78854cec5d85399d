import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Streams a file as lines without ever holding more than one chunk: replay must run over logs of any size in
 * bounded memory. Invalid UTF-8 (attackers send it) decodes to U+FFFD instead of failing.
 */
export async function* readLines(path: string, start = 0): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 20 })) {
    const text = carry + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      yield text.slice(from, nl);
      from = nl + 1;
    }
    carry = text.slice(from);
  }
  const tail = carry + decoder.end();
  if (tail.length > 0) yield tail;
}
