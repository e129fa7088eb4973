// The facts of one alert: the event's texts in the alert language, its numbers in the language's digits, and what the
// grade implies (label, prefix, which relation words would be false). Template, grammar and checker all start here.
import { inLanguage, type SensorEvent } from "./event.js";
import type { Fact, LanguagePolicy, Policy } from "./policy.js";
import type { Grade } from "./severity.js";
import type { Slot } from "./template.js";
import { numberText, toDigits } from "./words.js";

export interface AlertFacts {
  lang: string;
  severity: string;
  sensor: string;
  unit: string;
  location?: string;
  /** Numbers as the alert writes them (the policy's digit script). */
  value: string;
  limit: string;
  label: string;
  prefix: string;
  /** "above" when saying the value is above the limit would be false, "below" when saying it is below would be. */
  falseRelation: "above" | "below";
  /** The side of the limit the alert names. */
  side: "high" | "low";
  /** The value is exactly the limit it reached: neither "above" nor "below" is true, only "at". */
  atLimit: boolean;
  required: Fact[];
}

export function alertFacts(ev: SensorEvent, grade: Grade, lp: LanguagePolicy): AlertFacts {
  const words = lp.severity[grade.severity.name];
  // A reached high limit: the value is at or above it, so "below" is false; an unreached one the reverse.
  const above = grade.side === "high" ? grade.reached : !grade.reached;
  return {
    lang: lp.code,
    severity: grade.severity.name,
    sensor: inLanguage(ev.sensor, lp.code, "sensor"),
    unit: inLanguage(ev.unit, lp.code, "unit"),
    location: ev.location === undefined ? undefined : inLanguage(ev.location, lp.code, "location"),
    value: toDigits(numberText(ev.value)!, lp.digits),
    limit: toDigits(numberText(grade.limit)!, lp.digits),
    label: words.label,
    prefix: words.prefix,
    falseRelation: above ? "below" : "above",
    side: grade.side,
    atLimit: grade.reached && ev.value === grade.limit,
    required: grade.severity.requiredFacts,
  };
}

/** Values for the template slots. */
export function slotValues(f: AlertFacts): Partial<Record<Slot, string>> {
  return { sensor: f.sensor, value: f.value, unit: f.unit, limit: f.limit, location: f.location, severity: f.label };
}

/** Words an alert with these facts must not use: forbidden ones, other severities' claims, the false relation, the other side. */
export function bannedWords(
  f: AlertFacts, lp: LanguagePolicy, policy: Policy,
): { forbidden: string[]; claims: [string, string][]; relation: string[]; side: string[]; allowed: string[] } {
  const own = lp.severity[f.severity].claims;
  const claims: [string, string][] = [];
  for (const s of policy.severities) {
    if (s.name === f.severity) continue;
    for (const w of lp.severity[s.name].claims) if (!own.includes(w)) claims.push([w, s.name]);
  }
  return {
    forbidden: [...lp.forbidden, ...lp.severity[f.severity].forbidden],
    claims,
    relation: f.atLimit ? [...lp.relations.above, ...lp.relations.below] : lp.relations[f.falseRelation],
    side: lp.sideWords[f.side === "high" ? "low" : "high"],
    // phrases exempt from the checks above: the policy's exceptions, and "at or above" for a value at its limit
    allowed: f.atLimit ? [...lp.exceptions, ...lp.relations.at] : lp.exceptions,
  };
}
