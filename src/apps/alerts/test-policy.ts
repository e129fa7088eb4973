// Test helpers: the example policy, and events and facts built from it (used by the tests beside this file).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicy } from "./alerts.js";
import { parseEvent, type SensorEvent } from "./event.js";
import { alertFacts, slotValues, type AlertFacts } from "./facts.js";
import { languageOf, templateFor, type LanguagePolicy, type Policy } from "./policy.js";
import { gradeEvent } from "./severity.js";
import { renderParts, type Part } from "./template.js";

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, from src/apps/alerts (tsx) or dist/src/apps/alerts (compiled). */
export const REPO_ROOT = resolve(here, here.includes("/dist/") ? "../../../.." : "../../..");
export const EXAMPLE_POLICY_PATH = resolve(REPO_ROOT, "examples/alert-policy.json");

let cached: Policy | undefined;
export function examplePolicy(): Policy {
  return (cached ??= loadPolicy(EXAMPLE_POLICY_PATH));
}

/** The example policy file's JSON, to mutate in tests. */
export async function examplePolicyJson(): Promise<Record<string, any>> {
  const { readFileSync } = await import("node:fs");
  return JSON.parse(readFileSync(EXAMPLE_POLICY_PATH, "utf8"));
}

export const PUMP = { sensor: "pump-2 pressure", value: 910, unit: "PSI", limits: { warn: 850, critical: 950 } };

export interface Prepared {
  event: SensorEvent;
  lp: LanguagePolicy;
  facts: AlertFacts;
  parts: Part[];
  /** The template's text for the event. */
  text: string;
}

/** Parse an event and work out everything the writer would, in `lang`. */
export function prepare(json: unknown, lang = "en", policy = examplePolicy()): Prepared {
  const event = parseEvent(json, policy);
  const lp = languageOf(policy, lang)!;
  const grade = gradeEvent(event, policy);
  const facts = alertFacts(event, grade, lp);
  const parts = renderParts(templateFor(lp, grade.severity.name, grade.side), slotValues(facts));
  return { event, lp, facts, parts, text: parts.map((p) => p.text).join("") };
}
