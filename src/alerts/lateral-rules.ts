import { isLoopback } from './address.js';
import type { AlertSettings } from './alert-settings.js';
import type { OutboundBaseline } from './outbound-baseline.js';
import { lifetimeOf, type OutboundSocket } from './outbound-tracker.js';

/** Names for the classic lateral-movement services; other configured ports are called `port-N`. */
const SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [22, 'ssh'],
  [445, 'smb'],
  [3389, 'rdp'],
  [5985, 'winrm'],
  [5986, 'winrm'],
]);

/** Least number of learned sessions on a port before its lifetime percentile means anything. */
const MIN_PORT_SESSIONS = 3;

/** "This host": loopback or an address one of root's sockets is bound to (OutboundTracker.localAddresses). */
function isThisHost(ip: string, localAddresses: ReadonlySet<string>): boolean {
  return isLoopback(ip) || localAddresses.has(ip);
}

/**
 * Why a connection first seen during a watch is unusual, as `+`-joined reason tokens, or null when it is the host's
 * normal traffic. A lateral port to a destination the baseline already has (the nightly backup over SSH) is normal;
 * SSH to this host itself is not movement at all.
 */
export function reasonsAtOpen(
  socket: OutboundSocket,
  baseline: OutboundBaseline,
  settings: AlertSettings,
  localAddresses: ReadonlySet<string>,
): string | null {
  const reasons: string[] = [];
  const self = isThisHost(socket.remoteIp, localAddresses);
  const known = baseline.knowsDestination(socket.remoteIp, socket.remotePort);
  if (settings.lateralPorts.has(socket.remotePort) && !known && !(socket.remotePort === 22 && self)) {
    reasons.push(SERVICE_NAMES.get(socket.remotePort) ?? `port-${socket.remotePort}`);
  }
  if (
    settings.newDestinations &&
    !self &&
    baseline.learned >= settings.baselineMinSockets &&
    !baseline.knowsAddress(socket.remoteIp)
  ) {
    reasons.push('new-destination');
  }
  return reasons.length > 0 ? reasons.join('+') : null;
}

/**
 * The lifetime above which a session on this port is "far longer than baseline", or null when the port is not
 * watched for long sessions or its baseline is too thin to say.
 */
export function longSessionThreshold(port: number, baseline: OutboundBaseline, settings: AlertSettings): number | null {
  if (!settings.longSessionPorts.has(port) || baseline.learned < settings.baselineMinSockets) return null;
  const usual = baseline.portLifetime(port);
  if (!usual || usual.count < MIN_PORT_SESSIONS) return null;
  return Math.max(usual.p95 * settings.longSessionFactor, settings.longSessionMin);
}

/** True once a watched session has outlived its port's threshold. */
export function isLongSession(socket: OutboundSocket, threshold: number | null): boolean {
  return threshold !== null && lifetimeOf(socket) > threshold;
}
