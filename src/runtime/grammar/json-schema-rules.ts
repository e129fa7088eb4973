// GBNF text for the JSON Schema converter: literals and character classes written so that the grammar parser reads
// them back exactly, the table of named rules (printed sorted by name), counted repetitions that stay inside the
// parser's limits, and the JSON building blocks with llama.cpp's whitespace rule.
import { EdgeError } from "../../errors.js";
import { MAX_REPETITION } from "./gbnf-parser.js";

/** Largest count (minLength, maxItems, `{m,n}` …) the converter builds; above it the schema is refused. */
export const MAX_COUNT = 1_000_000;
/** Counts above the parser's limit are built from chunks of this many items. */
const CHUNK = 1000;

// ---- literals and classes ----

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, "0");
}

/** One code point inside a GBNF literal or class. */
function gbnfChar(cp: number, inClass: boolean): string {
  if (cp === 0x5c) return "\\\\";
  if (cp === 0x22) return inClass ? '"' : '\\"';
  if (cp === 0x0a) return "\\n";
  if (cp === 0x0d) return "\\r";
  if (cp === 0x09) return "\\t";
  if (inClass && (cp === 0x5d || cp === 0x5b || cp === 0x2d)) return "\\" + String.fromCodePoint(cp);
  if (inClass && cp === 0x5e) return "\\x5E"; // a leading ^ would negate the class
  if (cp >= 0x20 && cp < 0x7f) return String.fromCodePoint(cp);
  if (cp <= 0xff) return "\\x" + hex(cp, 2);
  return cp <= 0xffff ? "\\u" + hex(cp, 4) : "\\U" + hex(cp, 8);
}

/** A GBNF string literal matching exactly `text`. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) out += gbnfChar(ch.codePointAt(0)!, false);
  return out + '"';
}

/** A code point set as sorted, disjoint, non-adjacent inclusive ranges [lo0, hi0, lo1, hi1, …]. */
export type CodeSet = number[];
export const MAX_CP = 0x10ffff;

export function normalizeSet(ranges: CodeSet): CodeSet {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: CodeSet = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

export function complementSet(set: CodeSet): CodeSet {
  const out: CodeSet = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i] > next) out.push(next, set[i] - 1);
    next = set[i + 1] + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

export function intersectSets(a: CodeSet, b: CodeSet): CodeSet {
  const out: CodeSet = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i], b[j]);
    const hi = Math.min(a[i + 1], b[j + 1]);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

export function setHas(set: CodeSet, cp: number): boolean {
  for (let i = 0; i < set.length; i += 2) if (cp >= set[i] && cp <= set[i + 1]) return true;
  return false;
}

/** A GBNF character class for a non-empty set: positive or negated, whichever is shorter. */
export function gbnfClass(set: CodeSet): string {
  const write = (s: CodeSet) => {
    let out = "";
    for (let i = 0; i < s.length; i += 2) {
      out += gbnfChar(s[i], true);
      if (s[i + 1] > s[i]) out += (s[i + 1] > s[i] + 1 ? "-" : "") + gbnfChar(s[i + 1], true);
    }
    return out;
  };
  const positive = `[${write(set)}]`;
  const rest = complementSet(set);
  if (rest.length === 0) return positive;
  const negated = `[^${write(rest)}]`;
  return negated.length < positive.length ? negated : positive;
}

// ---- JSON string characters ----

/** Code points a JSON string may hold raw (not `"`, `\`, controls; surrogates are not text). */
export const RAW_JSON_CHARS: CodeSet = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0xd7ff, 0xe000, MAX_CP];
/** Characters with a two-character escape, and the letter after the backslash. */
export const SHORT_ESCAPES: readonly [number, string][] = [[0x22, '"'], [0x5c, "\\"], [0x08, "b"], [0x0c, "f"], [0x0a, "n"], [0x0d, "r"], [0x09, "t"]];

/**
 * GBNF for one character of a JSON string's text whose decoded value is in `set`: the raw characters, and the
 * two-character escapes of those that have one (other control characters, written only as \uXXXX, are left out).
 * Returns null when no such character exists; otherwise one GBNF symbol (it can take a postfix operator).
 */
export function jsonCharOf(set: CodeSet, rawSet: CodeSet = RAW_JSON_CHARS): string | null {
  const raw = intersectSets(set, rawSet);
  const letters = SHORT_ESCAPES.filter(([cp]) => setHas(set, cp)).map(([, l]) => l);
  const parts: string[] = [];
  if (raw.length === 2 && raw[0] === raw[1]) parts.push(gbnfLiteral(String.fromCodePoint(raw[0])));
  else if (raw.length) parts.push(gbnfClass(raw));
  if (letters.length === 1) parts.push(gbnfLiteral("\\" + letters[0]));
  else if (letters.length > 1) parts.push(`"\\\\" [${letters.map((l) => gbnfChar(l.codePointAt(0)!, true)).join("")}]`);
  if (parts.length === 0) return null;
  return parts.length === 1 && letters.length <= 1 ? parts[0] : `(${parts.join(" | ")})`;
}

/** The text of `cp` in a JSON string as JSON.stringify writes it (always defined). */
export function jsonEscaped(cp: number): string {
  return JSON.stringify(String.fromCodePoint(cp)).slice(1, -1);
}

// ---- the rule table ----

interface Builtin {
  body: string;
  deps: string[];
}

/**
 * The JSON building blocks. Their languages are llama.cpp's (json-schema-to-grammar.cpp) except `date`, which here
 * admits only real calendar dates, and `char`, which counts an escaped surrogate pair as one character.
 */
const BUILTINS: Record<string, Builtin> = {
  space: { body: `( " " | "\\n" "\\n"? [ \\t]{0,20} )?`, deps: [] },
  null: { body: `"null"`, deps: [] },
  boolean: { body: `"true" | "false"`, deps: [] },
  "integral-part": { body: `"0" | [1-9] [0-9]{0,15}`, deps: [] },
  "decimal-part": { body: `[0-9]{1,16}`, deps: [] },
  integer: { body: `"-"? integral-part`, deps: ["integral-part"] },
  number: { body: `"-"? integral-part ("." decimal-part)? ([eE] [+-]? integral-part)?`, deps: ["integral-part", "decimal-part"] },
  // One character (code point) of a JSON string: an escaped surrogate pair is one, a lone surrogate none (JSON
  // Schema's minLength/maxLength count code points, and a lone surrogate is no text); llama.cpp's `"u" hex{4}` is
  // looser on both counts.
  char: {
    body: `[^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ( ["\\\\bfnrt] | "u" ( [0-9A-Ca-cE-Fe-f] [0-9A-Fa-f]{3} | [Dd] [0-7] [0-9A-Fa-f]{2} | [Dd] [89ABab] [0-9A-Fa-f]{2} "\\\\u" [Dd] [C-Fc-f] [0-9A-Fa-f]{2} ) )`,
    deps: [],
  },
  string: { body: `"\\"" char* "\\""`, deps: ["char"] },
  value: { body: `object | array | string | number | boolean | null`, deps: ["object", "array", "string", "number", "boolean", "null"] },
  object: { body: `"{" space ( string ":" space value ( "," space string ":" space value )* )? space "}"`, deps: ["space", "string", "value"] },
  array: { body: `"[" space ( value ( "," space value )* )? space "]"`, deps: ["space", "value"] },
  uuid: { body: `"\\"" [0-9A-Fa-f]{8} ( "-" [0-9A-Fa-f]{4} ){3} "-" [0-9A-Fa-f]{12} "\\""`, deps: [] },
  // RFC 3339 full-date: days per month, 29 February only in leap years (divisible by 4, centuries by 400)
  "date-day-28": { body: `"0" [1-9] | "1" [0-9] | "2" [0-8]`, deps: [] },
  "date-leap-year": { body: `[0-9]{2} ( [02468] [48] | [13579] [26] | [2468] "0" ) | ( [02468] [048] | [13579] [26] ) "00"`, deps: [] },
  date: {
    body: `[0-9]{4} "-" ( ( "01" | "03" | "05" | "07" | "08" | "10" | "12" ) "-" ( date-day-28 | "29" | "30" | "31" ) | ( "04" | "06" | "09" | "11" ) "-" ( date-day-28 | "29" | "30" ) | "02-" date-day-28 ) | date-leap-year "-02-29"`,
    deps: ["date-day-28", "date-leap-year"],
  },
  time: { body: `( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )`, deps: [] },
  "date-time": { body: `date "T" time`, deps: ["date", "time"] },
  "date-string": { body: `"\\"" date "\\""`, deps: ["date"] },
  "time-string": { body: `"\\"" time "\\""`, deps: ["time"] },
  "date-time-string": { body: `"\\"" date-time "\\""`, deps: ["date-time"] },
};

export type BuiltinName = keyof typeof BUILTINS;

/** Named rules with llama.cpp's naming: a name is reused for the same body, otherwise numbered (`a`, `a0`, `a1` …). */
export class RuleSet {
  private readonly rules = new Map<string, string | null>();

  /** A rule name made from free text (llama.cpp's: every run of other characters becomes "-"). */
  static sanitize(hint: string): string {
    return hint.replace(/[^a-zA-Z0-9-]+/g, "-") || "empty";
  }

  /** Whether `name` is one of the building blocks (a schema-derived rule must not take it). */
  static isBuiltin(name: string): boolean {
    return Object.hasOwn(BUILTINS, name) || name === "root";
  }

  /** Add `name ::= body` (or find the rule that already has this body) and return the rule's name; never a builtin's. */
  add(hint: string, body: string): string {
    const base = RuleSet.sanitize(hint);
    const taken = (n: string) => RuleSet.isBuiltin(n) || (this.rules.has(n) && this.rules.get(n) !== body);
    let name = base;
    for (let i = 0; taken(name); i++) name = `${base}${i}`;
    this.rules.set(name, body);
    return name;
  }

  /** A fresh name, defined later with `define` (for recursive rules). */
  reserve(hint: string): string {
    const base = RuleSet.sanitize(hint);
    let name = base;
    for (let i = 0; this.rules.has(name) || RuleSet.isBuiltin(name); i++) name = `${base}${i}`;
    this.rules.set(name, null);
    return name;
  }

  define(name: string, body: string): void {
    this.rules.set(name, body);
  }

  /** A building block by name, with the blocks it uses. */
  builtin(name: BuiltinName): string {
    if (!this.rules.has(name)) {
      const b = BUILTINS[name];
      this.rules.set(name, b.body);
      for (const d of b.deps) this.builtin(d);
    }
    return name;
  }

  /** The grammar text: one `name ::= body` line per rule, sorted by name. */
  toString(): string {
    const names = [...this.rules.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((n) => `${n} ::= ${this.rules.get(n) ?? '""'}\n`).join("");
  }
}

// ---- repetitions ----

/** Whether `expr` is one GBNF symbol (a rule name, a literal, a class or a group) that can take a postfix operator. */
export function isAtom(expr: string): boolean {
  return /^[a-zA-Z0-9-]+$/.test(expr) || /^"(?:[^"\\]|\\.)*"$/.test(expr) || /^\[(?:[^\]\\]|\\.)*\]$/.test(expr) || isGroup(expr);
}

function isGroup(expr: string): boolean {
  if (!expr.startsWith("(") || !expr.endsWith(")")) return false;
  let depth = 0;
  let inLit = false;
  let inClass = false;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "\\" && (inLit || inClass)) i++;
    else if (inLit) inLit = c !== '"';
    else if (inClass) inClass = c !== "]";
    else if (c === '"') inLit = true;
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0 && i < expr.length - 1) return false;
  }
  return true;
}

/**
 * `item` repeated min..max times (max = Infinity: unbounded), as an expression ("" for exactly zero). Counted
 * repetitions apply to a rule name (so the parser's helper rules stay few), and counts above its limit of 2000 are
 * built from chunks of 1000 without ambiguity, so that `maxLength: 5000` means 5000 and not "unbounded".
 */
export function repeat(rules: RuleSet, item: string, min: number, max: number, hint: string, path: string): string {
  if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) {
    throw new EdgeError("schema_unsupported", `json schema ${path}: count ${Math.max(min, max === Infinity ? 0 : max)} is above ${MAX_COUNT}, the largest the converter builds`);
  }
  if (max === 0) return "";
  if (min === 1 && max === 1) return item;
  const atom = isAtom(item) ? item : `(${item})`;
  if (min === 0 && max === 1) return `${atom}?`;
  if (min === 0 && max === Infinity) return `${atom}*`;
  if (min === 1 && max === Infinity) return `${atom}+`;
  const sym = /^[a-zA-Z0-9-]+$/.test(item) || /^"(?:[^"\\]|\\.)*"$/.test(item) || /^\[(?:[^\]\\]|\\.)*\]$/.test(item) ? item : rules.add(`${hint}-item`, item);
  const upTo = Math.max(min, max === Infinity ? 0 : max);
  if (upTo <= MAX_REPETITION) return max === Infinity ? `${sym}{${min},}` : min === max ? `${sym}{${min}}` : `${sym}{${min},${max}}`;
  const chunk = rules.add(`${hint}-chunk`, `${sym}{${CHUNK}}`);
  const exactly = (n: number) => [Math.floor(n / CHUNK) > 0 ? `${chunk}{${Math.floor(n / CHUNK)}}` : "", n % CHUNK ? `${sym}{${n % CHUNK}}` : ""].filter(Boolean).join(" ");
  const head = exactly(min);
  if (max === Infinity) return `${head} ${sym}*`.trim();
  const d = max - min;
  let tail: string;
  if (d <= MAX_REPETITION) tail = d ? `${sym}{0,${d}}` : "";
  else {
    // c in 0..d as (whole chunks, then fewer than a chunk) or (q chunks, then at most d mod CHUNK): one parse each
    const q = Math.floor(d / CHUNK);
    tail = `( ${chunk}{0,${q - 1}} ${sym}{0,${CHUNK - 1}} | ${chunk}{${q}} ${sym}{0,${d % CHUNK}} )`;
  }
  return `${head} ${tail}`.trim();
}

/** `item ("," space item)*` with min..max items, llama.cpp's separated list (needs the `space` rule). */
export function separated(rules: RuleSet, item: string, min: number, max: number, hint: string, path: string): string {
  if (max === 0) return "";
  const more = repeat(rules, `"," space ${item}`, Math.max(min - 1, 0), max === Infinity ? Infinity : max - 1, hint, path);
  const list = more ? `${item} ${more}` : item;
  return min === 0 ? `(${list})?` : list;
}
