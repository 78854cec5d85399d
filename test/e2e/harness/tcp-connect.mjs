// Runs inside the test's network namespace: opens one TCP connection to host:port from each given local address,
// closes it as soon as it is established (the "probe" of a scanner), and prints one JSON array of outcomes.
// Usage: node tcp-connect.mjs HOST PORT TIMEOUT_MS SOURCE...
import { connect } from 'node:net';

const [host, port, timeoutMs, ...sources] = process.argv.slice(2);

function attempt(source) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host, port: Number(port), localAddress: source });
    const done = (outcome, detail) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ source, outcome, detail, ms: Date.now() - started, at: started });
    };
    const timer = setTimeout(() => done('timeout', `no answer in ${timeoutMs} ms`), Number(timeoutMs));
    socket.once('connect', () => done('connected', ''));
    socket.once('error', (error) =>
      done(error.code === 'ECONNREFUSED' ? 'refused' : 'error', error.code ?? error.message),
    );
  });
}

const results = await Promise.all(sources.map(attempt));
process.stdout.write(`${JSON.stringify(results)}\n`);
