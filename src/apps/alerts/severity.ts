// Severity is computed from the event's value and limits, never generated: the highest severity whose limit the value
// reaches (value ≥ a high limit, value ≤ a low limit; equality counts when the policy is inclusive), else the lowest.
import type { SensorEvent } from "./event.js";
import type { Policy, SeverityRule, Side } from "./policy.js";

export interface Grade {
  severity: SeverityRule;
  /** 0 = lowest. */
  rank: number;
  /**
   * The limit the alert names: the one reached, or for the lowest severity the nearest one not reached (the next
   * the value would cross). `reached` tells which.
   */
  limitKey: string;
  limit: number;
  side: Side;
  reached: boolean;
}

export function reaches(value: number, limit: number, side: Side, inclusive: boolean): boolean {
  if (side === "high") return inclusive ? value >= limit : value > limit;
  return inclusive ? value <= limit : value < limit;
}

export function gradeEvent(ev: SensorEvent, policy: Policy): Grade {
  const sev = policy.severities;
  for (let rank = sev.length - 1; rank > 0; rank--) {
    const key = sev[rank].limit!;
    for (const side of ["high", "low"] as const) {
      const limit = (side === "high" ? ev.high : ev.low)[key];
      if (limit !== undefined && reaches(ev.value, limit, side, policy.inclusive)) {
        return { severity: sev[rank], rank, limitKey: key, limit, side, reached: true };
      }
    }
  }
  // Nothing reached: name the nearest limit on each side that the value would cross first (lowest severity first).
  const first = (limits: Readonly<Record<string, number>>): [string, number] | undefined => {
    for (const s of sev) if (s.limit && limits[s.limit] !== undefined) return [s.limit, limits[s.limit]];
    return undefined;
  };
  const hi = first(ev.high);
  const lo = first(ev.low);
  const useLow = lo !== undefined && (hi === undefined || Math.abs(ev.value - lo[1]) < Math.abs(hi[1] - ev.value));
  const [limitKey, limit] = useLow ? lo! : hi!;
  return { severity: sev[0], rank: 0, limitKey, limit, side: useLow ? "low" : "high", reached: false };
}
