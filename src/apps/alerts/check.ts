// The guard: every alert text, from the model or the template, is checked against the policy and the event before it
// is returned. Facts are found and blanked out first (so a sensor called "Safe-room 2" neither trips the forbidden
// words nor counts as an extra number); then every number left must be the value or the limit in the policy's digits,
// followed by the unit; then words, script, length, prefix and ending.
import { bannedWords, type AlertFacts } from "./facts.js";
import type { Fact, LanguagePolicy, Policy } from "./policy.js";
import { entryPattern, findEntries, isWhole, NUMBER_PATTERN, SCRIPTS, toDigits, WORD_CHAR } from "./words.js";

export type Violation =
  | { kind: "too_long"; chars: number; max: number }
  | { kind: "missing_prefix"; expected: string }
  | { kind: "missing_fact"; fact: Fact; expected: string }
  | { kind: "wrong_unit"; number: string; expected: string; found: string }
  | { kind: "extra_number"; found: string }
  | { kind: "wrong_digits"; found: string; expected: string }
  | { kind: "forbidden_word"; word: string }
  | { kind: "severity_claim"; word: string; claims: string }
  | { kind: "false_relation"; word: string; relation: "above" | "below" | "at" }
  | { kind: "wrong_side"; word: string; side: "high" | "low" }
  | { kind: "wrong_script"; char: string; codepoint: string }
  | { kind: "malformed_word"; word: string }
  | { kind: "unknown_word"; word: string }
  | { kind: "value_called_limit"; word: string }
  | { kind: "bad_ending"; expected: string[] }
  | { kind: "repeated_word"; word: string }
  // set by the alert writer, not by checkAlert:
  | { kind: "low_confidence"; mean_logprob: number; min: number }
  | { kind: "incomplete"; tokens: number }
  | { kind: "generation_failed"; code: string; message: string };

export type ViolationKind = Violation["kind"];

/** Stands in for a blanked-out fact: not a letter, digit or space, so word boundaries still hold around it. */
const HOLE = "\ue000";

/** All violations of `text` (empty: the alert may be returned). The text is compared in NFC, as facts are stored. */
export function checkAlert(text: string, facts: AlertFacts, lp: LanguagePolicy, policy: Policy): Violation[] {
  const out: Violation[] = [];
  const t = text.normalize("NFC");
  const chars = [...t].length;
  if (chars > policy.maxChars) out.push({ kind: "too_long", chars, max: policy.maxChars });

  let rest = t;
  if (facts.prefix !== "") {
    if (t.startsWith(facts.prefix)) rest = HOLE + t.slice(facts.prefix.length);
    else out.push({ kind: "missing_prefix", expected: facts.prefix });
  }

  // Name-like facts, longest first (a sensor name inside the location must still be found on its own).
  const names: [Fact, string][] = [["sensor", facts.sensor]];
  if (facts.location !== undefined) names.push(["location", facts.location]);
  names.sort((a, b) => b[1].length - a[1].length);
  for (const [fact, value] of names) {
    const blanked = blankWhole(rest, value);
    if (blanked === rest && (fact === "sensor" || facts.required.includes(fact))) out.push({ kind: "missing_fact", fact, expected: value });
    rest = blanked;
  }

  rest = checkNumbers(rest, facts, lp, out);

  const banned = bannedWords(facts, lp, policy);
  for (const e of banned.allowed) rest = rest.replace(entryPattern(e), HOLE);
  for (const word of findEntries(rest, banned.forbidden)) out.push({ kind: "forbidden_word", word });
  for (const [word, claims] of banned.claims) if (findEntries(rest, [word]).length) out.push({ kind: "severity_claim", word, claims });
  // `relation` says which claim is false: "at" when the value is exactly its limit (neither above nor below is true)
  const relation = facts.atLimit ? "at" : facts.falseRelation;
  for (const word of findEntries(rest, banned.relation)) out.push({ kind: "false_relation", word, relation });
  for (const word of findEntries(rest, banned.side)) out.push({ kind: "wrong_side", word, side: facts.side });

  const bad = firstForeignChar(rest, lp);
  if (bad !== undefined) {
    out.push({ kind: "wrong_script", char: bad, codepoint: "U+" + bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0") });
  }

  const words = rest.match(WORDS) ?? [];
  const malformed = words.find(isMalformed);
  if (malformed !== undefined) out.push({ kind: "malformed_word", word: malformed });
  const loop = rest.split(HOLE).map((seg) => repetition(seg.match(WORDS) ?? [])).find((x) => x !== undefined);
  if (loop !== undefined) out.push({ kind: "repeated_word", word: loop });
  if (lp.vocabulary) {
    const known = new Set(lp.vocabulary);
    const unknown = [...new Set(words.filter((w) => !known.has(w.toLowerCase())))];
    for (const word of unknown.slice(0, 5)) out.push({ kind: "unknown_word", word });
  }

  if (!lp.endings.some((e) => t.endsWith(e))) out.push({ kind: "bad_ending", expected: lp.endings });
  return out;
}

/** `text` with every whole occurrence of `value` replaced by HOLE (unchanged when there is none). */
function blankWhole(text: string, value: string): string {
  let out = "";
  let from = 0;
  for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1)) {
    if (i < from || !isWhole(text, i, i + value.length)) continue;
    out += text.slice(from, i) + HOLE;
    from = i + value.length;
  }
  return out + text.slice(from);
}

/**
 * Every number must be the value or the limit, written in the policy's digits, and followed by the unit (directly or
 * after one space, and not run into a longer word). Next to the value no limit word may stand, except right before
 * a limit that follows it: "limit 10 %" or "10 % limit" would call the value the limit. Returns the text with
 * numbers and their units blanked out.
 */
function checkNumbers(text: string, facts: AlertFacts, lp: LanguagePolicy, out: Violation[]): string {
  const found: { n: string; start: number; end: number }[] = [];
  let seenValue = false;
  let seenLimit = false;
  for (const m of text.matchAll(NUMBER_PATTERN)) {
    const n = m[0];
    const start = m.index!;
    let end = start + n.length;
    const after = text.slice(end);
    const gap = after.startsWith(facts.unit) ? 0 : after.startsWith(" " + facts.unit) ? 1 : -1;
    const unitFollows = gap >= 0 && !runsOn(text, end + gap + facts.unit.length);
    if (unitFollows) end += gap + facts.unit.length; // blanked with its number, whatever the number
    if (n === facts.value || n === facts.limit) {
      if (n === facts.value) seenValue = true;
      if (n === facts.limit) seenLimit = true;
      if (!unitFollows) out.push({ kind: "wrong_unit", number: n, expected: facts.unit, found: [...after].slice(0, 12).join("") });
    } else {
      const converted = toDigits(n.replace("\u2212", "-"), lp.digits);
      if (converted === facts.value || converted === facts.limit) out.push({ kind: "wrong_digits", found: n, expected: converted });
      else out.push({ kind: "extra_number", found: n });
    }
    found.push({ n, start, end });
  }
  if (!seenValue) out.push({ kind: "missing_fact", fact: "value", expected: `${facts.value} ${facts.unit}` });
  if (!seenLimit && facts.required.includes("limit")) out.push({ kind: "missing_fact", fact: "limit", expected: `${facts.limit} ${facts.unit}` });

  if (lp.limitWords.length && facts.value !== facts.limit) {
    found.forEach((f, i) => {
      if (f.n !== facts.value) return;
      // the words between the value and the nearest fact or number on each side
      const from = Math.max(i > 0 ? found[i - 1].end : 0, text.lastIndexOf(HOLE, f.start) + 1);
      const holeAfter = text.indexOf(HOLE, f.end);
      const next = found[i + 1];
      const to = Math.min(next ? next.start : text.length, holeAfter < 0 ? text.length : holeAfter);
      const before = text.slice(from, f.start).match(WORDS) ?? [];
      const after = text.slice(f.end, to).match(WORDS) ?? [];
      if (next && next.start === to && next.n === facts.limit) after.pop(); // "…, limit 950 PSI" names the limit
      const word = [...before, ...after].find((w) => findEntries(w, lp.limitWords).length > 0);
      if (word !== undefined) out.push({ kind: "value_called_limit", word });
    });
  }

  let blanked = "";
  let from = 0;
  for (const f of found) {
    blanked += text.slice(from, f.start) + HOLE;
    from = f.end;
  }
  return blanked + text.slice(from);
}

/** Whether a letter, mark or digit follows position `i` (then the unit there is only the start of a longer word). */
function runsOn(text: string, i: number): boolean {
  return i < text.length && WORD_CHAR.test(String.fromCodePoint(text.codePointAt(i)!));
}

/**
 * The first character outside what the language allows: letters and marks of its scripts, punctuation, plain
 * spaces. Symbols, other digits, tabs, line breaks and invisible format characters are foreign.
 */
function firstForeignChar(text: string, lp: LanguagePolicy): string | undefined {
  const tests = lp.scripts.map((s) => SCRIPTS[s].test);
  for (const ch of text) {
    if (ch === HOLE || ch === " " || /^\p{P}$/u.test(ch)) continue;
    const letter = /^[\p{L}\p{M}\u200c\u200d]$/u.test(ch);
    if (!letter || !tests.some((r) => r.test(ch))) return ch;
  }
  return undefined;
}

const WORDS = /[\p{L}\p{M}\u200c\u200d]+/gu;

/**
 * A word or a pair of words said twice running ("is is", "রিডিং নিম্ন রিডিং নিম্ন"): a small model stuck in a loop.
 * Only words between facts count (a fact in between breaks the run).
 */
function repetition(words: string[]): string | undefined {
  const w = words.map((x) => x.toLowerCase());
  for (let i = 1; i < w.length; i++) {
    if (w[i] === w[i - 1]) return `${words[i - 1]} ${words[i]}`;
    if (i >= 3 && w[i] === w[i - 2] && w[i - 1] === w[i - 3]) return words.slice(i - 3, i + 1).join(" ");
  }
  return undefined;
}
/** Bengali dependent vowel signs and the virama: at most one of them after a letter. */
const BN_VOWEL_SIGN = /[\u09be-\u09c4\u09c7\u09c8\u09cb-\u09cd\u09d7]/u;

/**
 * A word no writer would produce: it starts with a combining mark, repeats a mark, or stacks two Bengali vowel signs
 * (what a small model emits when its favourite word is banned: বেশি + ো + ো …).
 */
function isMalformed(word: string): boolean {
  const cs = [...word];
  if (/^\p{M}$/u.test(cs[0])) return true;
  for (let i = 1; i < cs.length; i++) {
    if (/^\p{M}$/u.test(cs[i]) && cs[i] === cs[i - 1]) return true;
    if (BN_VOWEL_SIGN.test(cs[i]) && BN_VOWEL_SIGN.test(cs[i - 1])) return true;
  }
  return false;
}

/** The violation kinds, for summaries. */
export function violationKinds(v: readonly Violation[]): ViolationKind[] {
  return [...new Set(v.map((x) => x.kind))];
}
