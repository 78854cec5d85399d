let entry: URL | undefined;

/**
 * The program's own file (the bundle), which runs a job when started as a worker thread (src/cli/main.ts): set by
 * the program in its main thread. Code loaded some other way (TypeScript source under the test runner) has no such
 * file, and runs those jobs in its own thread.
 */
export function setThreadEntry(url: URL): void {
  entry = url;
}

export function threadEntry(): URL | undefined {
  return entry;
}
