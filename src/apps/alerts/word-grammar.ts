// GBNF for the free words of an alert: either any word of the language's scripts (a trie keeps banned words out), or
// only the policy's vocabulary; plus the helpers that write GBNF text safely (every character escaped).
import type { LanguagePolicy } from "./policy.js";
import { entryPattern, SCRIPTS, type Ranges } from "./words.js";

/** One named word rule: `name ::= ...`, never matching a banned word, accepting the exception phrases as words. */
export interface WordSet {
  name: string;
  banned: readonly string[];
  exceptions: readonly string[];
}

export function wordSetRules(lp: LanguagePolicy, set: WordSet, maxChars: number): string[] {
  const patterns = set.banned.map(entryPattern);
  const isBanned = (w: string) => patterns.some((p) => ((p.lastIndex = 0), p.test(w)));
  const exceptions = set.exceptions;
  const plain = exceptions.length ? `${set.name}plain` : set.name;
  const rules = lp.vocabulary
    ? [`${plain} ::= ${alternatives(lp.vocabulary.filter((w) => !isBanned(w)))}`]
    : openWordRules(lp, plain, set.banned, maxChars);
  // an exception phrase stands where a word stands (a gap always follows a word, so it ends on a word boundary)
  if (exceptions.length) rules.push(`${set.name} ::= ${plain} | ${exceptions.map(literal).join(" | ")}`);
  return rules;
}

/** Literal alternatives, each word as written and with a capital first letter; never an empty rule. */
export function alternatives(words: readonly string[]): string {
  const forms = new Set<string>();
  for (const w of words) {
    forms.add(w);
    const [first, ...rest] = [...w];
    forms.add(first.toUpperCase() + rest.join(""));
  }
  // no words left: a rule nothing can match (NUL is never in a token the grammar accepts) keeps the grammar valid
  return forms.size ? [...forms].map(literal).join(" | ") : '"\\u0000"';
}

interface TrieNode {
  children: Map<number, TrieNode>;
  /** A banned word ends here: the word may not end here. */
  banned: boolean;
  /** A banned prefix ("ignore*") ends here: no word goes through here. */
  bannedPrefix: boolean;
}

/**
 * `name ::= ...`: a letter, then up to maxChars more letters of the language's scripts (at most two combining marks
 * after each letter: a stack of vowel signs is no word), never a banned word (compared without case; `x*` bans every
 * word starting with x). The rules follow a trie of the banned words: at each node the word may end (unless a banned
 * word ends there), go on along the trie, or leave it with any other letter.
 */
function openWordRules(lp: LanguagePolicy, name: string, banned: readonly string[], maxChars: number): string[] {
  const letters: [number, number][] = lp.scripts.flatMap((s) => SCRIPTS[s].letters.map(([a, b]) => [a, b] as [number, number]));
  const bases = filterRanges(letters, (ch) => /^\p{L}$/u.test(ch));
  const marks = filterRanges(letters, (ch) => !/^\p{L}$/u.test(ch));
  const markRun = marks.length ? ` ${charClass(marks)}{0,2}` : "";
  const rules: string[] = [];
  const restRules = new Set<number>();
  const rest = (n: number): string => {
    if (n <= 0) return "";
    restRules.add(n);
    return ` ${name}rest${n}`;
  };
  const root: TrieNode = { children: new Map(), banned: false, bannedPrefix: false };
  for (const entry of banned) {
    const star = entry.endsWith("*");
    const cps = codePoints((star ? entry.slice(0, -1) : entry).toLowerCase());
    if (cps.length === 0 || cps.length > maxChars || /\s/.test(entry)) continue; // phrases are the checker's
    let n = root;
    for (const cp of cps) {
      let c = n.children.get(cp);
      if (!c) n.children.set(cp, (c = { children: new Map(), banned: false, bannedPrefix: false }));
      n = c;
    }
    if (star) n.bannedPrefix = true;
    else n.banned = true;
  }
  let next = 0;
  /** The rule for the rest of a word after trie node `n` (undefined when no word can go on from there). */
  const emit = (n: TrieNode, depth: number): string | undefined => {
    const alts: string[] = [];
    if (depth > 0 && !n.banned) alts.push('""');
    if (depth < maxChars) {
      const taken: number[] = [];
      for (const [cp, child] of n.children) {
        const variants = caseVariants(cp);
        taken.push(...variants);
        const sub = child.bannedPrefix ? undefined : emit(child, depth + 1);
        if (sub !== undefined) alts.push(`${charClass(variants)} ${sub}`);
      }
      const other = subtract(depth === 0 ? bases : letters, taken);
      if (other.length) alts.push(`${charClass(other)}${rest(maxChars - depth - 1)}`);
    }
    if (alts.length === 0) return undefined;
    const rule = depth === 0 ? name : `${name}trie${next++}`;
    rules.push(`${rule} ::= ${alts.join(" | ")}`);
    return rule;
  };
  if (emit(root, 0) === undefined) rules.push(`${name} ::= "\\u0000"`);
  for (const n of restRules) {
    rules.push(`${name}rest${n} ::=${markRun} (${charClass(bases)}${markRun}){0,${n}}`);
  }
  return rules;
}

function filterRanges(ranges: Ranges, keep: (ch: string) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges) {
    for (let cp = a; cp <= b; cp++) {
      if (!keep(String.fromCodePoint(cp))) continue;
      const last = out[out.length - 1];
      if (last && last[1] === cp - 1) last[1] = cp;
      else out.push([cp, cp]);
    }
  }
  return out;
}

function caseVariants(cp: number): number[] {
  const c = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [c.toLowerCase(), c.toUpperCase()]) if ([...v].length === 1) out.add(v.codePointAt(0)!);
  return [...out];
}

export function codePoints(s: string): number[] {
  return [...s].map((c) => c.codePointAt(0)!);
}

/** Ranges minus single code points. */
function subtract(ranges: Ranges, cps: number[]): [number, number][] {
  let out: [number, number][] = ranges.map(([a, b]) => [a, b]);
  for (const cp of cps) {
    out = out.flatMap(([a, b]): [number, number][] => {
      if (cp < a || cp > b) return [[a, b]];
      const parts: [number, number][] = [];
      if (a < cp) parts.push([a, cp - 1]);
      if (cp < b) parts.push([cp + 1, b]);
      return parts;
    });
  }
  return out;
}

/** A GBNF character class of ranges or single code points; every character escaped. */
export function charClass(ranges: Ranges | readonly number[]): string {
  const rs = (ranges as readonly (number | readonly [number, number])[]).map((r) => (typeof r === "number" ? [r, r] : r));
  return `[${rs.map(([a, b]) => (a === b ? esc(a) : `${esc(a)}-${esc(b)}`)).join("")}]`;
}

function esc(cp: number): string {
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** A GBNF string literal; quotes, backslashes and everything outside printable ASCII escaped. */
export function literal(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== "\\" ? ch : esc(cp);
  }
  return out + '"';
}
