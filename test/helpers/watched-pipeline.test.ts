import { describe, expect, it } from 'vitest';
import { runWatched, spawnWatched } from './watched-pipeline.js';

describe('a watched pipeline', () => {
  it('runs as bash -c would, with $0 and its arguments', async () => {
    const run = await runWatched('echo "$0 $1"; echo warned >&2; exit 3', ['zero', 'one'], 10_000);
    expect(run).toEqual({ status: 3, stdout: 'zero one\n', stderr: 'warned\n' });
  });

  // A node program that cannot end (a worker thread kept alive by a timer), writing into a pipe its reader has not
  // emptied: the failure must name the stuck program, its threads and what keeps it alive, and its output so far.
  it('says, when it hangs, which process is still running, where, and what it wrote so far', async () => {
    const program = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      worker.on('online', () => process.stderr.write('started\\n'));
      process.stdout.write('x'.repeat(100000));`;
    const run = await runWatched('"$0" -e "$1" | { sleep 30; cat; }', [process.execPath, program], 10_000);
    expect(run.status).toBeNull();
    const stuck = run.stuck ?? '';
    expect(stuck).toMatch(/^still running after 10000 ms:/);
    expect(stuck).toMatch(
      new RegExp(`^process \\d+ \\(parent \\d+\\), [.0-9]+ s of CPU in [.0-9]+ s: ${process.execPath} -e`, 'm'),
    );
    expect(stuck).toMatch(/^process \d+ \(parent \d+\), [.0-9]+ s of CPU in [.0-9]+ s: sleep 30$/m);
    expect(stuck).toMatch(/^machine: load [.0-9]+ /m);
    expect(stuck).toMatch(/^ {2}thread \d+ \S+: state S, in \S+, syscall \d+/m);
    expect(stuck).toMatch(/^ {2}fd 1 -> pipe:\[\d+\] \(write, non-blocking\)$/m);
    expect(stuck).toMatch(/worker threads: 1\n {2}worker 0: handles timer/);
    expect(stuck).toContain('stdout so far: 0 characters');
    expect(stuck).toContain('stderr so far: "started\\n');
  }, 30_000);

  // A process that ended but was never waited for keeps its place in the tree, under its name. The child ends only
  // once its shell has become sleep ($$ is the shell's pid, which exec keeps): a /bin/true that ended before the exec
  // was reaped by bash and left no zombie, which failed a CI run on a fast machine.
  it('names a zombie among the processes still there', async () => {
    const script = '{ until [ "$(cat /proc/$$/comm)" = sleep ]; do sleep 0.05; done; exec /bin/true; } & exec sleep 30';
    const run = await runWatched(script, [], 2_000);
    expect(run.stuck).toMatch(
      /^process \d+ \(parent \d+\), [.0-9]+ s of CPU in [.0-9]+ s: \[true\]\n {2}thread \d+ true: state Z/m,
    );
  }, 20_000);

  // One program started directly, its standard input fed by the caller: the robustness cases' run().
  it('runs a program whose input its caller writes, and says so when it waits for more', async () => {
    const copy = spawnWatched(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], 'pipe', 10_000);
    copy.child.stdin?.end('copied é\n');
    expect(await copy.finished).toEqual({ status: 0, stdout: 'copied é\n', stderr: '' });

    const waiting = spawnWatched(process.execPath, ['-e', 'process.stdin.resume()'], 'pipe', 2_000);
    waiting.child.stdin?.write('not the end');
    const run = await waiting.finished;
    expect(run.status).toBeNull();
    expect(run.stuck).toMatch(/^still running after 2000 ms:/);
    expect(run.stuck).toMatch(new RegExp(`^process \\d+ \\(parent \\d+\\), .*: ${process.execPath} -e`, 'm'));
    expect(run.stuck).toMatch(/^ {2}fd 0 -> socket:\[\d+\] /m);
    expect(run.stuck).toMatch(/^report\.\S+\.json:\n {2}main thread's referenced handles: .*pipe/m);
  }, 20_000);

  // It once resolved as if nothing had happened (and the removed report directory was then read, an unhandled error):
  // a program slow, not stuck, that ends while it is being described still outlived its time.
  it('says a program outlived its time when it ends while being described', async () => {
    const busy = 'for (const end = Date.now() + 3000; Date.now() < end; );'; // no report while it loops
    const { finished } = spawnWatched(process.execPath, ['-e', busy], 'ignore', 1_000);
    const run = await finished;
    expect(run.stuck).toMatch(/^still running after 1000 ms:/);
    expect(run.stuck).toMatch(/^process \d+ \(parent \d+\), .* -e for /m);
  }, 20_000);
});
