// The alert policy file (JSON): severities and the limits that trigger them, per-language words, templates and
// checks. Parsed strictly: unknown fields, wrong types and templates that cannot pass their own checks are errors
// naming the field path. docs/alerts.md describes the format.
import { Fields, joinPath } from "./fields.js";
import { compileTemplate, renderParts, templateSlots, type Part, type Slot, type Template } from "./template.js";
import { DIGIT_SCRIPTS, ENTRY_SHAPE, findEntries, SCRIPT_NAMES, type DigitScript } from "./words.js";

export const FACTS = ["sensor", "value", "unit", "limit", "location"] as const;
/** A fact of the event that an alert text must copy exactly. */
export type Fact = (typeof FACTS)[number];
/** Which side of the normal range a limit guards: `high` limits are reached from below, `low` ones from above. */
export type Side = "high" | "low";

export interface SeverityRule {
  name: string;
  /** The key in an event's `limits` whose value triggers this severity; undefined for the lowest severity. */
  limit?: string;
  /** Whether the model phrases alerts of this severity, or the template always does. */
  phrasing: "model" | "template";
  requiredFacts: Fact[];
}

export interface SeverityWords {
  /** What {severity} renders to. */
  label: string;
  /** The text every alert of this severity starts with ("" = none). */
  prefix: string;
  /** Words that claim this severity: an alert of another severity must not use them. */
  claims: string[];
  /** Forbidden in alerts of this severity only (on top of the language's list), e.g. "within" above the lowest. */
  forbidden: string[];
}

export interface LanguagePolicy {
  code: string;
  digits: DigitScript;
  scripts: string[];
  /** Characters an alert may end with ("." "!" "।"). */
  endings: string[];
  prompt: Template;
  system?: string;
  severity: Record<string, SeverityWords>;
  /**
   * Words saying the value is above / below the limit: the false one is banned in each alert; for a value exactly
   * at the limit it reached both are, except inside the `at` phrases ("at or above").
   */
  relations: { above: string[]; below: string[]; at: string[] };
  forbidden: string[];
  /** Words naming a side of the range ("low limit", "নিম্ন সীমা"): an alert about a high limit must not say low. */
  sideWords: { high: string[]; low: string[] };
  /** Words that name a limit ("limit", "সীমা*"): never next to the value, which must not be called the limit. */
  limitWords: string[];
  /** Phrases exempt from the forbidden words ("safety limit" where "safe*" is forbidden). */
  exceptions: string[];
  /**
   * When given, the only words (lowercase) an alert may use besides the facts and the prefix: the model's grammar
   * offers no others, and the checker rejects others. Undefined: any word of the language's scripts.
   */
  vocabulary?: string[];
  /** Keyed by severity name, or `name.high` / `name.low` for one side. */
  templates: Record<string, Template>;
}

export interface ModelSettings {
  maxTokens: number;
  /** Words the model may add to each stretch of template words (a stretch the template leaves empty stays empty). */
  extraWords: number;
  maxWordChars: number;
  /**
   * The model's own confidence a text must reach: the mean log-probability of its generated tokens under the
   * model's unconstrained distribution (each token counts at least ln 1e-4). A grammar can force
   * facts and words into the output; when it had to force the model far off its own preferences, the words around
   * the facts are usually nonsense. undefined: no such check.
   */
  minMeanLogprob?: number;
}

/** The least a token counts as in the confidence mean (one forced, very unlikely token must not decide alone). */
export const CONFIDENCE_FLOOR = Math.log(1e-4);

export interface Policy {
  /** Lowest first. */
  severities: SeverityRule[];
  /** A value equal to a limit reaches it. */
  inclusive: boolean;
  maxChars: number;
  /** In file order; the first is the default language. */
  languages: LanguagePolicy[];
  model: ModelSettings;
}

export const DEFAULT_PROMPT = "{sensor} {value} {unit}";
const NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Validate a parsed policy file. `label` starts every error message (the file name). */
export function parsePolicy(json: unknown, label = "policy"): Policy {
  const f = new Fields("policy_invalid", `${label}: `);
  const root = f.object(json, "", ["version", "severities", "languages"], ["description", "inclusive", "required_facts", "max_chars", "model"]);
  if (root.version !== 1) f.fail("version", `must be 1, got ${JSON.stringify(root.version)}`);
  if (root.description !== undefined) f.text(root.description, "description", { max: 2000 });

  const defaultFacts = root.required_facts === undefined ? (["sensor", "value", "unit", "limit"] as Fact[]) : facts(f, root.required_facts, "required_facts");
  const severities: SeverityRule[] = [];
  f.array(root.severities, "severities", 2, 10).forEach((s, i) => {
    const path = joinPath("severities", i);
    const o = f.object(s, path, ["name"], ["limit", "phrasing", "required_facts"]);
    const name = f.text(o.name, joinPath(path, "name"));
    if (!NAME.test(name)) f.fail(joinPath(path, "name"), `must be lowercase letters, digits and "_", starting with a letter, got ${JSON.stringify(name)}`);
    if (severities.some((x) => x.name === name)) f.fail(joinPath(path, "name"), `duplicate severity ${JSON.stringify(name)}`);
    let limit: string | undefined;
    if (i === 0) {
      if (o.limit !== undefined) f.fail(joinPath(path, "limit"), "the lowest severity is the one no limit triggers: it takes no limit");
    } else {
      if (o.limit === undefined) f.fail(joinPath(path, "limit"), "missing (the key in an event's limits that triggers this severity)");
      limit = f.text(o.limit, joinPath(path, "limit"));
      if (!NAME.test(limit)) f.fail(joinPath(path, "limit"), `must be lowercase letters, digits and "_", got ${JSON.stringify(limit)}`);
      if (severities.some((x) => x.limit === limit)) f.fail(joinPath(path, "limit"), `limit ${JSON.stringify(limit)} already triggers another severity`);
    }
    const phrasing = o.phrasing === undefined ? "model" : f.oneOf(o.phrasing, joinPath(path, "phrasing"), ["model", "template"] as const);
    const requiredFacts = o.required_facts === undefined ? defaultFacts : facts(f, o.required_facts, joinPath(path, "required_facts"));
    severities.push({ name, limit, phrasing, requiredFacts });
  });

  const inclusive = root.inclusive === undefined ? true : f.boolean(root.inclusive, "inclusive");
  const maxChars = root.max_chars === undefined ? 240 : f.integer(root.max_chars, "max_chars", 20, 2000);
  const model = modelSettings(f, root.model);

  const langMap = f.map(root.languages, "languages");
  const codes = Object.keys(langMap);
  if (codes.length === 0) f.fail("languages", "needs at least one language");
  if (codes.length > 8) f.fail("languages", `has ${codes.length} languages, at most 8 allowed`);
  const languages = codes.map((code) => language(f, code, langMap[code], severities));
  return { severities, inclusive, maxChars, languages, model };
}

function facts(f: Fields, v: unknown, path: string): Fact[] {
  const list = f.texts(v, path).map((x, i) => f.oneOf(x, joinPath(path, i), FACTS));
  for (const need of ["sensor", "value", "unit"] as const) {
    if (!list.includes(need)) f.fail(path, `must include "${need}" (every alert names the sensor and its value with the unit)`);
  }
  return list;
}

function modelSettings(f: Fields, v: unknown): ModelSettings {
  const out: ModelSettings = { maxTokens: 128, extraWords: 4, maxWordChars: 24, minMeanLogprob: -2 };
  if (v === undefined) return out;
  const o = f.object(v, "model", [], ["max_tokens", "extra_words", "max_word_chars", "min_mean_logprob"]);
  if (o.min_mean_logprob === null) out.minMeanLogprob = undefined;
  else if (o.min_mean_logprob !== undefined) out.minMeanLogprob = f.number(o.min_mean_logprob, "model.min_mean_logprob", -20, 0);
  if (o.max_tokens !== undefined) out.maxTokens = f.integer(o.max_tokens, "model.max_tokens", 8, 512);
  if (o.extra_words !== undefined) out.extraWords = f.integer(o.extra_words, "model.extra_words", 0, 32);
  if (o.max_word_chars !== undefined) out.maxWordChars = f.integer(o.max_word_chars, "model.max_word_chars", 2, 64);
  return out;
}

function wordList(f: Fields, v: unknown, path: string): string[] {
  if (v === undefined) return [];
  const list = f.texts(v, path, { max: 80 });
  list.forEach((w, i) => {
    if (!ENTRY_SHAPE.test(w)) f.fail(joinPath(path, i), `${JSON.stringify(w)} must be words of letters, optionally ending in "*"`);
  });
  return list;
}

function language(f: Fields, code: string, v: unknown, severities: SeverityRule[]): LanguagePolicy {
  const path = joinPath("languages", code);
  if (!/^[a-z]{2,3}$/.test(code)) f.fail(path, `language codes are 2 or 3 lowercase letters (ISO 639), got ${JSON.stringify(code)}`);
  const o = f.object(v, path, ["digits", "scripts", "endings", "severity", "templates"], ["prompt", "system", "relations", "forbidden", "exceptions", "vocabulary", "limit_words", "side_words"]);
  const p = (k: string) => joinPath(path, k);
  const digits = f.oneOf(o.digits, p("digits"), DIGIT_SCRIPTS);
  const scripts = f.texts(o.scripts, p("scripts")).map((s, i) => f.oneOf(s, joinPath(p("scripts"), i), SCRIPT_NAMES));
  if (scripts.length === 0) f.fail(p("scripts"), "needs at least one script");
  const endings = f.texts(o.endings, p("endings"));
  if (endings.length === 0) f.fail(p("endings"), "needs at least one sentence ending");
  endings.forEach((e, i) => {
    if (!/^\p{P}$/u.test(e)) f.fail(joinPath(p("endings"), i), `must be one punctuation character, got ${JSON.stringify(e)}`);
  });

  const sevMap = f.object(o.severity, p("severity"), severities.map((s) => s.name));
  const severity: Record<string, SeverityWords> = {};
  for (const s of severities) {
    const sp = joinPath(p("severity"), s.name);
    const w = f.object(sevMap[s.name], sp, ["label"], ["prefix", "claims", "forbidden"]);
    const label = f.text(w.label, joinPath(sp, "label"), { max: 40 });
    if (!ENTRY_SHAPE.test(label) || label.endsWith("*")) f.fail(joinPath(sp, "label"), "must be words of letters");
    const prefix = w.prefix === undefined ? "" : f.text(w.prefix, joinPath(sp, "prefix"), { max: 60 });
    if (/[0-9০-৯]/.test(prefix)) f.fail(joinPath(sp, "prefix"), "must not contain digits (every number in an alert is a fact of the event)");
    severity[s.name] = {
      label, prefix, claims: wordList(f, w.claims, joinPath(sp, "claims")), forbidden: wordList(f, w.forbidden, joinPath(sp, "forbidden")),
    };
  }

  let relations = { above: [] as string[], below: [] as string[], at: [] as string[] };
  if (o.relations !== undefined) {
    const r = f.object(o.relations, p("relations"), [], ["above", "below", "at"]);
    const rp = (k: string) => joinPath(p("relations"), k);
    relations = { above: wordList(f, r.above, rp("above")), below: wordList(f, r.below, rp("below")), at: wordList(f, r.at, rp("at")) };
    relations.at.forEach((e, i) => {
      if (e.endsWith("*")) f.fail(joinPath(rp("at"), i), `an "at" phrase is exact, without "*"`);
    });
  }
  const forbidden = wordList(f, o.forbidden, p("forbidden"));
  for (const s of severities) {
    const bad = findEntries(severity[s.name].prefix, [...forbidden, ...severity[s.name].forbidden]);
    if (bad.length) f.fail(joinPath(joinPath(p("severity"), s.name), "prefix"), `contains the forbidden word ${JSON.stringify(bad[0])}`);
  }
  const exceptions = wordList(f, o.exceptions, p("exceptions"));
  const limitWords = wordList(f, o.limit_words, p("limit_words"));
  let sideWords = { high: [] as string[], low: [] as string[] };
  if (o.side_words !== undefined) {
    const r = f.object(o.side_words, p("side_words"), [], ["high", "low"]);
    sideWords = { high: wordList(f, r.high, joinPath(p("side_words"), "high")), low: wordList(f, r.low, joinPath(p("side_words"), "low")) };
  }
  exceptions.forEach((e, i) => {
    if (e.endsWith("*")) f.fail(joinPath(p("exceptions"), i), `an exception is an exact phrase, without "*"`);
  });

  let vocabulary: string[] | undefined;
  if (o.vocabulary !== undefined) {
    vocabulary = [];
    f.texts(o.vocabulary, p("vocabulary"), { max: 64 }, 5000).forEach((w, i) => {
      if (!/^[\p{L}\p{M}\u200c\u200d]+$/u.test(w)) f.fail(joinPath(p("vocabulary"), i), `${JSON.stringify(w)} must be one word of letters`);
      const lower = w.toLowerCase();
      if (!vocabulary!.includes(lower)) vocabulary!.push(lower);
    });
    if (vocabulary.length === 0) f.fail(p("vocabulary"), "needs at least one word (or leave it out: any word of the scripts)");
  }

  const prompt = template(f, o.prompt === undefined ? DEFAULT_PROMPT : f.text(o.prompt, p("prompt"), { max: 500 }), p("prompt"));
  if (templateSlots(prompt).always.includes("location")) f.fail(p("prompt"), "{location} must be inside an optional part [...]: events may have no location");
  const system = o.system === undefined ? undefined : f.text(o.system, p("system"), { max: 2000 });

  const tmap = f.map(o.templates, p("templates"));
  const allowed = severities.flatMap((s) => [s.name, `${s.name}.high`, `${s.name}.low`]);
  for (const k of Object.keys(tmap)) {
    if (!allowed.includes(k)) f.fail(joinPath(p("templates"), k), `unknown template (expected a severity name, or NAME.high / NAME.low)`);
  }
  const templates: Record<string, Template> = {};
  for (const s of severities) {
    if (tmap[s.name] === undefined) f.fail(joinPath(p("templates"), s.name), "missing");
    for (const key of [s.name, `${s.name}.high`, `${s.name}.low`]) {
      if (tmap[key] === undefined) continue;
      const tp = joinPath(p("templates"), key);
      const t = template(f, f.text(tmap[key], tp, { max: 1000 }), tp);
      checkTemplateShape(f, t, tp, s, severity[s.name].prefix, endings);
      templates[key] = t;
    }
  }
  return { code, digits, scripts, endings, prompt, system, severity, relations, forbidden, sideWords, limitWords, exceptions, vocabulary, templates };
}

function template(f: Fields, source: string, path: string): Template {
  try {
    return compileTemplate(source);
  } catch (e) {
    f.fail(path, (e as Error).message);
  }
}

/** Sample slot values used to look at a template's rendered shape. */
const SAMPLE: Record<Slot, string> = { sensor: "S", value: "1", unit: "U", limit: "2", location: "L", severity: "V" };

/**
 * What the checker and the grammar rely on: the required facts are slots, {location} is optional (events may have
 * none), every number is followed by its unit, the words hold no digits, the text starts with the prefix and ends
 * with a sentence ending.
 */
function checkTemplateShape(f: Fields, t: Template, path: string, s: SeverityRule, prefix: string, endings: string[]): void {
  const { always, optional } = templateSlots(t);
  for (const fact of s.requiredFacts) {
    if (fact === "location") {
      if (!optional.includes("location")) f.fail(path, "{location} is required: put it in an optional part, e.g. [ at {location}] (events may have no location)");
    } else if (!always.includes(fact)) f.fail(path, `missing {${fact}} (a required fact${optional.includes(fact) ? " cannot be in an optional part" : ""})`);
  }
  if (always.includes("location")) f.fail(path, "{location} must be inside an optional part [...]: events may have no location");
  for (const withLocation of [true, false]) {
    const parts = renderParts(t, withLocation ? SAMPLE : { ...SAMPLE, location: undefined });
    const text = parts.map((x) => x.text).join("");
    if (!text.startsWith(prefix)) f.fail(path, `must start with the severity's prefix ${JSON.stringify(prefix)}`);
    if (!endings.some((e) => text.endsWith(e))) f.fail(path, `must end with one of the endings ${endings.map((e) => JSON.stringify(e)).join(" ")}`);
    parts.forEach((x, i) => {
      if (x.kind === "text" && /[0-9০-৯]/.test(x.text)) f.fail(path, "the words of a template must not contain digits (every number is a fact of the event)");
      if (x.kind === "slot" && (x.slot === "value" || x.slot === "limit") && !unitFollows(parts, i)) {
        f.fail(path, `{${x.slot}} must be followed by {unit} (directly or after one space)`);
      }
      if (x.kind === "slot" && x.slot === "unit" && !numberBefore(parts, i)) f.fail(path, "{unit} may only follow {value} or {limit}");
      if (x.kind === "slot" && i > 0 && parts[i - 1].kind === "slot" && x.slot !== "unit") {
        f.fail(path, `{${x.slot}} must be separated from the slot before it`);
      }
    });
  }
}

function unitFollows(parts: Part[], i: number): boolean {
  const a = parts[i + 1];
  const b = parts[i + 2];
  return (a?.kind === "slot" && a.slot === "unit") || (a?.kind === "text" && a.text === " " && b?.kind === "slot" && b.slot === "unit");
}

function numberBefore(parts: Part[], i: number): boolean {
  const isNum = (p: Part | undefined) => p?.kind === "slot" && (p.slot === "value" || p.slot === "limit");
  const a = parts[i - 1];
  return isNum(a) || (a?.kind === "text" && a.text === " " && isNum(parts[i - 2]));
}

/** The template for a severity on one side: `name.side` when the policy has it, else `name`. */
export function templateFor(lp: LanguagePolicy, severity: string, side: Side): Template {
  return lp.templates[`${severity}.${side}`] ?? lp.templates[severity];
}

export function languageOf(policy: Policy, code: string): LanguagePolicy | undefined {
  return policy.languages.find((l) => l.code === code);
}
