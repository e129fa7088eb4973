// Byte-level BPE trainer (GPT-2 byte mapping, llama.cpp pre-tokenizer regexes) plus a small reference encoder.
// The trained vocabulary is what llama.cpp runs as tokenizer.ggml.model = "gpt2" with the chosen tokenizer.ggml.pre.
import { BYTE_TO_CHAR, byteLevelDecode, byteLevelEncode } from "../../src/tokenizer/byte-level.js";
import { getPreTokenizer, preTokenize } from "../../src/tokenizer/pre-tokenizer.js";
import { TokenType } from "../../src/tokenizer/vocab-data.js";

export interface TrainedBpe {
  /** `tokenizer.ggml.pre` the words were split with. */
  pre: string;
  /** Token texts by id in the byte-level alphabet: 256 byte tokens, then one per merge, then the special tokens. */
  tokens: string[];
  tokenTypes: number[];
  /** "left right" in rank order. */
  merges: string[];
}

/** Split text at special-token strings (kept as separate items, flagged), like llama.cpp with parse_special. */
export function splitSpecial(text: string, specials: readonly string[]): { text: string; special: boolean }[] {
  const out: { text: string; special: boolean }[] = [];
  let pos = 0;
  while (pos < text.length) {
    let best = -1;
    let bestTok = "";
    for (const s of specials) {
      const i = text.indexOf(s, pos);
      if (i >= 0 && (best < 0 || i < best || (i === best && s.length > bestTok.length))) {
        best = i;
        bestTok = s;
      }
    }
    if (best < 0) {
      out.push({ text: text.slice(pos), special: false });
      break;
    }
    if (best > pos) out.push({ text: text.slice(pos, best), special: false });
    out.push({ text: bestTok, special: true });
    pos = best + bestTok.length;
  }
  return out;
}

/** Count pre-tokenized words (byte-level encoded) over texts; special-token strings are skipped. */
export function countWords(texts: Iterable<string>, pre: string, specials: readonly string[]): Map<string, number> {
  const regexes = getPreTokenizer(pre).compiled;
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const part of splitSpecial(text, specials)) {
      if (part.special) continue;
      for (const piece of preTokenize(part.text, regexes)) {
        const w = byteLevelEncode(piece);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/**
 * Learn merges until the vocabulary (256 bytes + merges + specials) reaches `vocabSize` or no pair occurs
 * `minPairCount` times (default 2).
 * Each step merges the most frequent adjacent pair; ties go to the pair whose (left, right) texts sort first,
 * so training is deterministic.
 */
export function trainBpe(
  wordCounts: Map<string, number>,
  opts: { vocabSize: number; pre: string; specialTokens: readonly string[]; minPairCount?: number },
): TrainedBpe {
  const minPairCount = Math.max(2, opts.minPairCount ?? 2);
  const tokens: string[] = BYTE_TO_CHAR.slice();
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const merges: string[] = [];
  const maxMerges = opts.vocabSize - 256 - opts.specialTokens.length;
  if (maxMerges < 0) throw new Error(`vocabSize ${opts.vocabSize} is below 256 + specials`);

  // Words as arrays of token ids; sort the keys so the iteration order does not depend on insertion order.
  const keys = [...wordCounts.keys()].sort();
  const words: number[][] = keys.map((w) => Array.from(w, (ch) => idOf.get(ch)!));
  const freq: number[] = keys.map((w) => wordCounts.get(w)!);
  const K = 1 << 20; // pair key = left * K + right (ids stay far below 2^20)
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number): void => {
    const s = words[wi];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * K + s[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);

  while (merges.length < maxMerges) {
    let bestKey = -1;
    let bestCount = 1;
    for (const [key, count] of pairCount) {
      if (count < bestCount) continue;
      if (count > bestCount || bestKey < 0 || comparePairs(tokens, key, bestKey, K) < 0) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey < 0 || bestCount < minPairCount) break;
    const left = Math.floor(bestKey / K);
    const right = bestKey % K;
    const merged = tokens[left] + tokens[right];
    const newId = tokens.length;
    tokens.push(merged);
    idOf.set(merged, newId);
    merges.push(`${tokens[left]} ${tokens[right]}`);
    for (const wi of pairWords.get(bestKey) ?? []) {
      const s = words[wi];
      if (!hasPair(s, left, right)) continue;
      addPairs(wi, -1);
      words[wi] = applyMerge(s, left, right, newId);
      addPairs(wi, 1);
    }
    pairCount.delete(bestKey);
    pairWords.delete(bestKey);
  }

  const tokenTypes: number[] = tokens.map(() => TokenType.NORMAL);
  for (const s of opts.specialTokens) {
    tokens.push(s);
    tokenTypes.push(TokenType.CONTROL);
  }
  return { pre: opts.pre, tokens, tokenTypes, merges };
}

function comparePairs(tokens: string[], a: number, b: number, K: number): number {
  const la = tokens[Math.floor(a / K)];
  const lb = tokens[Math.floor(b / K)];
  if (la !== lb) return la < lb ? -1 : 1;
  const ra = tokens[a % K];
  const rb = tokens[b % K];
  return ra === rb ? 0 : ra < rb ? -1 : 1;
}

function hasPair(s: number[], a: number, b: number): boolean {
  for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) return true;
  return false;
}

function applyMerge(s: number[], a: number, b: number, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(c);
      i++;
    } else out.push(s[i]);
  }
  return out;
}

/**
 * Reference encoder for a trained vocabulary: pre-tokenize, then in each word repeatedly merge the adjacent pair
 * with the lowest merge rank (leftmost on ties), the way llama.cpp's BPE session does. Used to tokenize the
 * training data; the tests check it against the project's Tokenizer and llama.cpp.
 */
export class BpeEncoder {
  private readonly idOf = new Map<string, number>();
  private readonly rank = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly regexes: RegExp[];
  readonly specials: string[];

  constructor(readonly vocab: TrainedBpe) {
    vocab.tokens.forEach((t, i) => this.idOf.set(t, i));
    vocab.merges.forEach((m, i) => this.rank.set(m, i));
    this.regexes = getPreTokenizer(vocab.pre).compiled;
    this.specials = vocab.tokens.filter((_, i) => vocab.tokenTypes[i] === TokenType.CONTROL);
  }

  /**
   * Token ids of `text`; with `parseSpecial`, special-token strings become their ids. `dropout` (BPE-dropout,
   * Provilkov et al. 2020) skips each applicable merge with probability p, giving a valid but finer split.
   */
  encode(text: string, parseSpecial = false, dropout?: { p: number; random: () => number }): number[] {
    const out: number[] = [];
    const parts = parseSpecial ? splitSpecial(text, this.specials) : [{ text, special: false }];
    for (const part of parts) {
      if (part.special) {
        out.push(this.idOf.get(part.text)!);
        continue;
      }
      for (const piece of preTokenize(part.text, this.regexes)) out.push(...this.encodePiece(piece, dropout));
    }
    return out;
  }

  /** The pre-tokenizer's pieces of `text` (no special-token handling). */
  pieces(text: string): string[] {
    return preTokenize(text, this.regexes);
  }

  /** Token ids of one pre-tokenized piece. */
  encodePiece(piece: string, dropout?: { p: number; random: () => number }): number[] {
    const hit = dropout ? undefined : this.cache.get(piece);
    if (hit) return hit;
    let syms = Array.from(byteLevelEncode(piece));
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.rank.get(`${syms[i]} ${syms[i + 1]}`);
        if (r !== undefined && r < bestRank && !(dropout && dropout.random() < dropout.p)) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      syms = [...syms.slice(0, best), syms[best] + syms[best + 1], ...syms.slice(best + 2)];
    }
    const ids = syms.map((s) => {
      const id = this.idOf.get(s);
      if (id === undefined) throw new Error(`BPE symbol ${JSON.stringify(s)} is not in the vocabulary`);
      return id;
    });
    if (!dropout) this.cache.set(piece, ids);
    return ids;
  }

  /** Text of token ids (special tokens rendered as their strings). */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const t = this.vocab.tokens[id];
      if (this.vocab.tokenTypes[id] === TokenType.CONTROL) bytes.push(...new TextEncoder().encode(t));
      else bytes.push(...byteLevelDecode(t));
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  }
}

/** Ids of the ChatML control tokens and the roles llama.cpp gives them (bos/pad = endoftext, eos/eot = im_end). */
export function chatTokenIds(vocab: TrainedBpe): { endOfText: number; imStart: number; imEnd: number } {
  const find = (t: string): number => {
    const id = vocab.tokens.lastIndexOf(t);
    if (id < 0 || vocab.tokenTypes[id] !== TokenType.CONTROL) throw new Error(`control token ${t} missing`);
    return id;
  };
  return { endOfText: find("<|endoftext|>"), imStart: find("<|im_start|>"), imEnd: find("<|im_end|>") };
}
