// WordPiece (tokenizer.ggml.model = "bert") as llama.cpp's WPM tokenizer runs it: a BERT-style normalizer (lowercase;
// strip accents = map each code point to the first of its NFD decomposition and drop marks), words split at
// whitespace and around punctuation, ASCII symbols and CJK ideographs; then each word, with a U+2581 prefix, is cut
// greedily into the longest vocabulary entries by UTF-8 bytes (continuation pieces are stored without "##"). A word
// with any piece missing becomes the unknown token.

export interface WpmOptions {
  lowercase: boolean;
  stripAccents: boolean;
}

const WHITESPACE = /\p{White_Space}/u;
// llama.cpp's CONTROL flag is \p{C} without unassigned code points (those are UNDEFINED there)
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;
const MARK = /\p{M}/u;
const PUNCTUATION = /\p{P}/u;
const SYMBOL = /\p{S}/u;

const enum Kind { Skip, Space, Alone, Letter }

function isChinese(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2a6df) ||
    (c >= 0x2a700 && c <= 0x2b73f) || (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b920 && c <= 0x2ceaf) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

export class WpmEncoder {
  /** Token texts as "binary" strings (one char per UTF-8 byte): the greedy search cuts words at byte offsets. */
  private readonly byBytes = new Map<string, number>();
  private readonly maxLen: number;
  /** Per code point: its normalized form and how it splits words (memoised; text repeats its characters). */
  private readonly classes = new Map<number, [Kind, string]>();

  constructor(tokens: readonly string[], private readonly unk: number, private readonly opts: WpmOptions) {
    let max = 0;
    const enc = new TextEncoder();
    for (let id = 0; id < tokens.length; id++) {
      const b = enc.encode(tokens[id]);
      max = Math.max(max, b.length);
      this.byBytes.set(binary(b), id); // later duplicates win, as in llama.cpp's map
    }
    this.maxLen = max;
  }

  encode(text: string, out: number[]): void {
    for (const word of this.words(text)) this.encodeWord(word, out);
  }

  /** The normalized words of `text` (llama.cpp's llm_tokenizer_wpm_session::preprocess). */
  words(text: string): string[] {
    const words: string[] = [];
    let cur = "";
    for (const ch of text) {
      const [kind, s] = this.classify(ch.codePointAt(0)!);
      if (kind === Kind.Skip) continue;
      if (kind === Kind.Space) {
        if (cur) words.push(cur);
        cur = "";
      } else if (kind === Kind.Alone) {
        if (cur) words.push(cur);
        words.push(s);
        cur = "";
      } else cur += s;
    }
    if (cur) words.push(cur);
    return words;
  }

  private classify(cp: number): [Kind, string] {
    let c = this.classes.get(cp);
    if (c) return c;
    let x = cp;
    if (this.opts.stripAccents) x = String.fromCodePoint(cp).normalize("NFD").codePointAt(0)!;
    const ch = String.fromCodePoint(x);
    if (WHITESPACE.test(ch)) c = [Kind.Space, ""];
    else if (x === 0 || x === 0xfffd || CONTROL.test(ch)) c = [Kind.Skip, ""];
    else if (this.opts.stripAccents && MARK.test(ch)) c = [Kind.Skip, ""];
    else {
      const s = this.opts.lowercase ? lowerOne(ch) : ch;
      c = [PUNCTUATION.test(ch) || (x < 0x7f && SYMBOL.test(ch)) || isChinese(x) ? Kind.Alone : Kind.Letter, s];
    }
    this.classes.set(cp, c);
    return c;
  }

  private encodeWord(word: string, out: number[]): void {
    const w = binary(new TextEncoder().encode("\u2581" + word));
    const start = out.length;
    const n = w.length;
    for (let i = 0; i < n; i++) {
      let matched = false;
      for (let j = Math.min(n, i + this.maxLen + 1); j > i; j--) {
        const id = this.byBytes.get(w.substring(i, j));
        if (id !== undefined) {
          out.push(id);
          matched = true;
          i = j - 1;
          break;
        }
      }
      if (!matched) {
        out.length = start; // a word that cannot be covered is one unknown token
        break;
      }
    }
    if (out.length === start) out.push(this.unk);
  }
}

/** Lower case of one code point when it is one code point (llama.cpp's table maps code point to code point). */
function lowerOne(ch: string): string {
  const l = ch.toLowerCase();
  return [...l].length === 1 ? l : ch;
}

function binary(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
