/**
 * A decision of the correlation core. The verdict line written from it is a public contract (docs/verdict-line.md):
 * fail2ban's bundled filter reads BAN lines, `audit` reads them all.
 */
export type VerdictVerb = 'BAN' | 'ALERT' | 'CAMPAIGN';

/** A field value: numbers and plain tokens print bare, anything else quoted and escaped. */
export type VerdictValue = string | number | boolean;

export interface Verdict {
  /** Milliseconds since the epoch (UTC): the event's time in replay, the wall clock live. */
  readonly time: number;
  readonly verb: VerdictVerb;
  /**
   * Ordered key/value pairs. In a BAN the first is `ip` and a `campaign` follows; keys are fixed identifiers chosen
   * by the code, never taken from input.
   */
  readonly fields: ReadonlyArray<readonly [key: string, value: VerdictValue]>;
}

/** The result of the many events that decide nothing: one shared, frozen empty list instead of one per event. */
export const NO_VERDICTS: readonly Verdict[] = Object.freeze([]);

/** `a` then `b`, without a copy when either is empty (the usual case). */
export function joinVerdicts(a: readonly Verdict[], b: readonly Verdict[]): readonly Verdict[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...a, ...b];
}

/** A BAN for `ip` as member of `campaign`; `reason` is a short machine-readable token (signals joined by `+`). */
export function banVerdict(
  time: number,
  ip: string,
  campaign: string,
  reason: string,
  extra: ReadonlyArray<readonly [string, VerdictValue]> = [],
): Verdict {
  return {
    time,
    verb: 'BAN',
    fields: [['ip', ip], ['campaign', campaign], ['reason', reason], ...extra],
  };
}
