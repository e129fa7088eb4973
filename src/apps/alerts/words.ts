// Text facts shared by the checker and the grammar builder: writing scripts, digit scripts, how numbers are written,
// and how word lists (forbidden words, claims) match text. Both sides use these, so what the grammar lets the model
// write and what the checker accepts are described once.

/** Code point ranges [lo, hi] (inclusive). */
export type Ranges = readonly (readonly [number, number])[];

export interface ScriptInfo {
  /** Letters (and combining marks) a free word of this script is made of, for the grammar. Digits are never in. */
  letters: Ranges;
  /** What the checker accepts as a letter or mark of this script. */
  test: RegExp;
}

/**
 * Letter and mark ranges of a script inside the given blocks, read from Unicode's own properties (so unassigned code
 * points and digits never become letters the grammar could produce), plus `extra` ranges.
 */
function letterRanges(blocks: Ranges, test: RegExp, extra: Ranges = []): Ranges {
  const out: [number, number][] = [];
  for (const [lo, hi] of blocks) {
    for (let cp = lo; cp <= hi; cp++) {
      const ch = String.fromCodePoint(cp);
      if (!/^[\p{L}\p{M}]$/u.test(ch) || !test.test(ch)) continue;
      const last = out[out.length - 1];
      if (last && last[1] === cp - 1) last[1] = cp;
      else out.push([cp, cp]);
    }
  }
  return [...out, ...extra];
}

const LATIN = /^\p{Script=Latin}$/u;
const BENGALI = /^[\p{Script=Bengali}\u200c\u200d]$/u;

/** The writing scripts a policy may name (ZWNJ/ZWJ belong to Bengali: conjunct forms need them). */
export const SCRIPTS: Record<string, ScriptInfo> = {
  // Basic Latin, Latin-1 and Latin Extended-A/B letters
  Latin: { letters: letterRanges([[0x41, 0x24f]], LATIN), test: LATIN },
  // Bengali digits U+09E6–U+09EF are no letters; the fraction and currency signs are symbols, not letters either
  Bengali: { letters: letterRanges([[0x980, 0x9ff]], BENGALI, [[0x200c, 0x200d]]), test: BENGALI },
};
export const SCRIPT_NAMES = Object.keys(SCRIPTS);

export type DigitScript = "ascii" | "bengali";
export const DIGIT_SCRIPTS: readonly DigitScript[] = ["ascii", "bengali"];

const BN_ZERO = 0x09e6;

/** ASCII digits → the policy's digit script (other characters unchanged). */
export function toDigits(s: string, digits: DigitScript): string {
  if (digits === "ascii") return s.replace(/[০-৯]/g, (d) => String(d.charCodeAt(0) - BN_ZERO));
  return s.replace(/[0-9]/g, (d) => String.fromCharCode(BN_ZERO + d.charCodeAt(0) - 48));
}

/** Largest magnitude an event number may have: beyond 1e15 a double no longer holds every integer exactly. */
export const MAX_ABS_NUMBER = 1e15;

/**
 * How a number is written in alerts: JavaScript's shortest round-trip decimal (910, 12.5, -3, 0.001), so the text
 * holds exactly the number the event holds; undefined when that needs an exponent (1e-7) or is out of range.
 */
export function numberText(v: number): string | undefined {
  if (!Number.isFinite(v) || Math.abs(v) >= MAX_ABS_NUMBER) return undefined;
  const s = String(Object.is(v, -0) ? 0 : v);
  return /e/i.test(s) ? undefined : s;
}

/** Every number written in a text: ASCII or Bengali digits, an optional decimal part, and a sign unless it is a hyphen
 * inside a word ("pump-2" holds the number 2, "is -5" the number -5). */
export const NUMBER_PATTERN = /(?:(?<![\p{L}\p{M}\p{N}])[-\u2212])?[0-9০-৯]+(?:\.[0-9০-৯]+)?/gu;

/** A letter, mark or digit: what may not touch a whole word on either side. */
export const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;

/** Whether text[start, end) stands alone: no letter, mark or digit right before or after it. */
export function isWhole(text: string, start: number, end: number): boolean {
  const before = start > 0 ? Array.from(text.slice(Math.max(0, start - 2), start)).pop()! : "";
  const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : "";
  return !WORD_CHAR.test(before) && !WORD_CHAR.test(after);
}

/**
 * A word-list entry → a case-insensitive whole-word pattern. Spaces match any run of spaces; a trailing `*` lets the
 * last word go on ("ignore*" matches ignored, ignoring), which Bangla's suffixes need ("উপেক্ষা*" → উপেক্ষা করুন).
 */
export function entryPattern(entry: string): RegExp {
  const star = entry.endsWith("*");
  const body = (star ? entry.slice(0, -1) : entry).trim();
  const escaped = body
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+");
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])${escaped}${star ? "[\\p{L}\\p{M}]*" : "(?![\\p{L}\\p{M}\\p{N}])"}`, "giu");
}

/** The entries of `list` found in `text` (each once, in list order). */
export function findEntries(text: string, list: readonly string[]): string[] {
  return list.filter((e) => entryPattern(e).test(text));
}

/** A word-list entry must be words of letters (and `'`/`-` inside), optionally ending in `*`. */
export const ENTRY_SHAPE = /^[\p{L}\p{M}\u200c\u200d]+(?:['\-\s][\p{L}\p{M}\u200c\u200d]+)*\*?$/u;

/** Punctuation the grammar lets the model put between words (the policy's sentence endings are added to it). */
export const GAP_PUNCTUATION = " ,;:'()/.!-";
