// A sensor event (one JSON line of `edgellm alert` input), validated strictly against the policy: a typo such as
// "directon" must be an error, never a silently different severity.
import { Fields, joinPath } from "./fields.js";
import type { Policy, Side } from "./policy.js";
import { numberText, MAX_ABS_NUMBER } from "./words.js";

/** A name given once for all languages, or per language code. */
export type Localized = string | Readonly<Record<string, string>>;

export interface SensorEvent {
  id?: string | number;
  timestamp?: string;
  /** The alert language for this event (else the caller's default). */
  lang?: string;
  sensor: Localized;
  unit: Localized;
  location?: Localized;
  value: number;
  /** Limit key → threshold, for limits reached from below (value ≥ limit) and from above (value ≤ limit). */
  high: Readonly<Record<string, number>>;
  low: Readonly<Record<string, number>>;
}

export const MAX_NAME_CHARS = 120;
export const MAX_UNIT_CHARS = 24;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const FIELDS_REQUIRED = ["sensor", "value", "unit", "limits"];
const FIELDS_OPTIONAL = ["id", "timestamp", "lang", "location", "direction", "low_limits", "meta"];

export function parseEvent(json: unknown, policy: Policy): SensorEvent {
  const f = new Fields("event_invalid");
  const o = f.object(json, "", FIELDS_REQUIRED, FIELDS_OPTIONAL);
  const langs = policy.languages.map((l) => l.code);
  const ev: SensorEvent = {
    sensor: localized(f, o.sensor, "sensor", langs, MAX_NAME_CHARS, false),
    unit: localized(f, o.unit, "unit", langs, MAX_UNIT_CHARS, true),
    value: eventNumber(f, o.value, "value"),
    high: {},
    low: {},
  };
  if (o.id !== undefined) {
    if (typeof o.id === "number") ev.id = f.integer(o.id, "id", -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    else ev.id = f.text(o.id, "id", { max: 200 });
  }
  if (o.timestamp !== undefined) {
    const t = f.text(o.timestamp, "timestamp", { max: 40 });
    if (!ISO_8601.test(t) || Number.isNaN(Date.parse(t))) f.fail("timestamp", `must be an ISO 8601 date or date-time, got ${JSON.stringify(t)}`);
    ev.timestamp = t;
  }
  if (o.lang !== undefined) ev.lang = f.oneOf(o.lang, "lang", langs);
  if (o.location !== undefined) ev.location = localized(f, o.location, "location", langs, MAX_NAME_CHARS, false);

  const direction: Side = o.direction === undefined ? "high" : f.oneOf(o.direction, "direction", ["high", "low"] as const);
  if (direction === "low" && o.low_limits !== undefined) {
    f.fail("low_limits", 'not allowed with "direction": "low" (there `limits` are the low limits already)');
  }
  const keys = policy.severities.flatMap((s) => (s.limit ? [s.limit] : []));
  const limits = limitMap(f, o.limits, "limits", keys, true);
  if (direction === "high") {
    ev.high = limits;
    if (o.low_limits !== undefined) ev.low = limitMap(f, o.low_limits, "low_limits", keys, false);
  } else ev.low = limits;
  checkOrder(f, policy, ev.high, direction === "high" ? "limits" : "low_limits", "high");
  checkOrder(f, policy, ev.low, direction === "low" ? "limits" : "low_limits", "low");
  const highs = Object.values(ev.high);
  const lows = Object.values(ev.low);
  if (highs.length && lows.length && Math.max(...lows) >= Math.min(...highs)) {
    f.fail("low_limits", `every low limit must be below every high limit (highest low ${Math.max(...lows)}, lowest high ${Math.min(...highs)})`);
  }
  return ev;
}

/** A number an alert can write exactly (no exponent, |v| < 1e15). */
function eventNumber(f: Fields, v: unknown, path: string): number {
  if (typeof v !== "number") f.fail(path, `must be a number, got ${typeof v === "string" ? `the string ${JSON.stringify(v.slice(0, 40))}` : v === null ? "null" : typeof v}`);
  if (!Number.isFinite(v)) f.fail(path, "must be a finite number");
  if (Math.abs(v) >= MAX_ABS_NUMBER) f.fail(path, `${v} is out of range (|value| must be below 1e15)`);
  if (numberText(v) === undefined) f.fail(path, `${v} is too small to write without an exponent (use a larger unit)`);
  return v;
}

function localized(f: Fields, v: unknown, path: string, langs: string[], max: number, isUnit: boolean): Localized {
  const one = (x: unknown, p: string) => {
    const s = f.text(x, p, { max });
    if (isUnit && /[0-9০-৯]/.test(s)) f.fail(p, `must not contain digits, got ${JSON.stringify(s)} (numbers in an alert are the value and the limit)`);
    return s;
  };
  if (typeof v === "string") return one(v, path);
  const m = f.map(v, path);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(m)) {
    if (!langs.includes(k)) f.fail(joinPath(path, k), `the policy has no language ${JSON.stringify(k)} (languages: ${langs.join(", ")})`);
    out[k] = one(x, joinPath(path, k));
  }
  if (Object.keys(out).length === 0) f.fail(path, "must be a string, or an object of language → text with at least one entry");
  return out;
}

function limitMap(f: Fields, v: unknown, path: string, keys: string[], needOne: boolean): Record<string, number> {
  const m = f.map(v, path);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(m)) {
    if (!keys.includes(k)) f.fail(joinPath(path, k), `unknown limit (the policy's limits: ${keys.join(", ")})`);
    out[k] = eventNumber(f, x, joinPath(path, k));
  }
  if (Object.keys(out).length === 0 && needOne) f.fail(path, `needs at least one limit (${keys.join(", ")})`);
  return out;
}

/** High limits must not fall as severity rises, low limits must not rise: otherwise the bands overlap. */
function checkOrder(f: Fields, policy: Policy, limits: Record<string, number>, path: string, side: Side): void {
  let prev: { key: string; v: number } | undefined;
  for (const s of policy.severities) {
    if (!s.limit || limits[s.limit] === undefined) continue;
    const v = limits[s.limit];
    if (prev && (side === "high" ? v < prev.v : v > prev.v)) {
      f.fail(joinPath(path, s.limit), `${s.limit} (${v}) must be ${side === "high" ? "at or above" : "at or below"} ${prev.key} (${prev.v})`);
    }
    prev = { key: s.limit, v };
  }
}

/** The text of a localized name in a language; throws event_invalid naming the field when that language is missing. */
export function inLanguage(v: Localized, lang: string, path: string): string {
  if (typeof v === "string") return v;
  const s = v[lang];
  if (s === undefined) new Fields("event_invalid").fail(joinPath(path, lang), `missing: the alert is in ${JSON.stringify(lang)} (given: ${Object.keys(v).join(", ")})`);
  return s;
}
