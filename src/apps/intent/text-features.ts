// Lexical features of an utterance: word n-grams and character n-grams of its NFC-normalized, lower-cased words,
// hashed into a fixed space of buckets. No vocabulary and no tokenizer: the same code serves English, Bangla and
// Sylheti (words keep their combining vowel signs and ZWJ/ZWNJ; punctuation such as the danda only separates words).

export interface LexicalConfig {
  /** Size of the hash space (a power of two); only the buckets seen in training become feature columns. */
  buckets: number;
  /** Word n-gram lengths [min, max], or null for none. */
  words: [number, number] | null;
  /** Character n-gram lengths [min, max] over " word word ", or null for none. */
  chars: [number, number] | null;
  /** Count c weighs 1 + ln c instead of c. */
  sublinearTf: boolean;
  /** Weigh each column by its smoothed inverse document frequency in training. */
  idf: boolean;
  /** Keep only the buckets seen in at least this many training utterances. */
  minDf: number;
}

export const DEFAULT_LEXICAL: LexicalConfig = { buckets: 1 << 22, words: [1, 2], chars: [2, 5], sublinearTf: true, idf: true, minDf: 2 };

/** Longest n-gram accepted in a config (n-grams longer than a few words or characters only memorize). */
export const MAX_NGRAM = 8;

/** The form features are computed from: NFC (so composed and decomposed Bangla agree), lower case. */
export function normalizeText(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

const WORD = /[\p{L}\p{M}\p{N}\u200c\u200d]+/gu;

/** The words of normalized text (letters, marks, digits, ZWJ/ZWNJ; everything else separates). */
export function wordsOf(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

// FNV-1a over UTF-16 code units with a different start per feature kind, then a final avalanche so that the low
// bits (the bucket) depend on every input bit.
const WORD_SEED = 0x811c9dc5;
const CHAR_SEED = 0x050c5d1f;
const FNV_PRIME = 0x01000193;

function fold(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Bucket → count of every n-gram of the text (buckets in first-seen order). Word n-grams are the words joined by
 * one space; character n-grams run over " " + words.join(" ") + " ", counted in code points, so they cross word
 * boundaries and the edges of the utterance show.
 */
export function hashedNgrams(text: string, config: LexicalConfig): Map<number, number> {
  const counts = new Map<number, number>();
  const mask = config.buckets - 1;
  const add = (h: number) => {
    const b = avalanche(h) & mask;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  };
  const words = wordsOf(normalizeText(text));
  if (config.words) {
    const [lo, hi] = config.words;
    for (let i = 0; i < words.length; i++) {
      let h = WORD_SEED;
      for (let n = 1; n <= hi && i + n <= words.length; n++) {
        if (n > 1) h = Math.imul(h ^ 0x20, FNV_PRIME); // the space between words (never inside one)
        h = fold(h, words[i + n - 1]);
        if (n >= lo) add(h);
      }
    }
  }
  if (config.chars && words.length) {
    const [lo, hi] = config.chars;
    const cps = Array.from(` ${words.join(" ")} `);
    for (let i = 0; i < cps.length; i++) {
      let h = CHAR_SEED;
      for (let n = 1; n <= hi && i + n <= cps.length; n++) {
        h = fold(h, cps[i + n - 1]);
        if (n >= lo) add(h);
      }
    }
  }
  return counts;
}

/** Why a lexical config is unusable, or undefined (used when a head file is loaded and when options are parsed). */
export function lexicalConfigProblem(c: LexicalConfig): string | undefined {
  if (!Number.isInteger(Math.log2(c.buckets)) || c.buckets < 2 || c.buckets > 2 ** 30) return "buckets must be a power of two from 2 to 2^30";
  for (const [name, r] of [["words", c.words], ["chars", c.chars]] as const) {
    if (r === null) continue;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((n) => Number.isInteger(n)) || r[0] < 1 || r[1] < r[0] || r[1] > MAX_NGRAM) {
      return `${name} must be [min, max] with 1 <= min <= max <= ${MAX_NGRAM}`;
    }
  }
  if (c.words === null && c.chars === null) return "words and chars cannot both be off";
  if (!Number.isInteger(c.minDf) || c.minDf < 1) return "min_df must be a positive integer";
  return undefined;
}
