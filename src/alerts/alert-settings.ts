import { alertsSection } from '../config/sections/alerts.js';
import { F2bCampaignError } from '../core/errors.js';

/** The [alerts] section as the alert code uses it: typed, ports as numbers, durations in milliseconds. */
export interface AlertSettings {
  readonly compromiseAction: 'alert' | 'ban';
  readonly lateralWindow: number;
  readonly lateralPorts: ReadonlySet<number>;
  readonly longSessionPorts: ReadonlySet<number>;
  readonly longSessionFactor: number;
  readonly longSessionMin: number;
  readonly newDestinations: boolean;
  readonly baselineMinSockets: number;
  readonly baselineMaxDestinations: number;
  readonly inboundPorts: ReadonlySet<number>;
  /** Remote ports whose connections the alerts follow whatever their local port: lateral and long-session ports. */
  readonly watchedPorts: ReadonlySet<number>;
}

function value(values: Readonly<Record<string, unknown>>, key: string): unknown {
  if (values[key] !== undefined) return values[key];
  return alertsSection.keys.find((k) => k.key === key)?.default;
}

function ports(values: Readonly<Record<string, unknown>>, key: string): Set<number> {
  const raw = value(values, key);
  const list = Array.isArray(raw) ? raw : [];
  const out = new Set<number>();
  for (const item of list) {
    const port = Number(item);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new F2bCampaignError(
        'BAD_CONFIG_VALUE',
        `[alerts] ${key}: expected TCP ports 1-65535, got ${String(item)}`,
      );
    }
    out.add(port);
  }
  return out;
}

/** Reads the section's values (as loadConfig returns them); a missing key takes its documented default. */
export function alertSettings(values: Readonly<Record<string, unknown>>): AlertSettings {
  const lateralPorts = ports(values, 'lateral_ports');
  const longSessionPorts = ports(values, 'long_session_ports');
  return {
    compromiseAction: value(values, 'compromise_action') === 'ban' ? 'ban' : 'alert',
    lateralWindow: Number(value(values, 'lateral_window')),
    lateralPorts,
    longSessionPorts,
    longSessionFactor: Number(value(values, 'long_session_factor')),
    longSessionMin: Number(value(values, 'long_session_min')),
    newDestinations: value(values, 'new_destinations') !== false,
    baselineMinSockets: Number(value(values, 'baseline_min_sockets')),
    baselineMaxDestinations: Number(value(values, 'baseline_max_destinations')),
    inboundPorts: ports(values, 'inbound_ports'),
    watchedPorts: new Set([...lateralPorts, ...longSessionPorts]),
  };
}
