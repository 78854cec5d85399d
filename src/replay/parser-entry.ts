let entry: URL | undefined;

/**
 * The parser thread's file (dist/f2b-campaign-parser.mjs, src/replay/parse-entry.ts), which `replay` starts as a
 * worker thread: set by the program in its main thread, from where its own bundle is. Code loaded some other way
 * (TypeScript source under the test runner) has no such file, and parses in its own thread.
 */
export function setParserEntry(url: URL): void {
  entry = url;
}

export function parserEntry(): URL | undefined {
  return entry;
}
