// Token id -> the bytes it renders to (llama_token_to_piece), cached per id, plus llama.cpp's space clean-up pass.
import { byteLevelDecode } from "./byte-level.js";
import { Attr, type ResolvedVocab } from "./vocab-setup.js";

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Lazily built pieces (the "special = true" rendering); callers must not mutate the returned arrays. */
export class PieceTable {
  private readonly cache: (Uint8Array | undefined)[];

  constructor(private readonly vocab: ResolvedVocab) {
    this.cache = new Array(vocab.tokens.length);
  }

  /**
   * Bytes of token `id`. With `special` false, control and unknown tokens render as nothing (as llama.cpp);
   * user-defined tokens always render their text.
   */
  get(id: number, special: boolean): Uint8Array {
    if (!special && this.vocab.attrs[id] & (Attr.CONTROL | Attr.UNKNOWN)) return EMPTY;
    let piece = this.cache[id];
    if (piece === undefined) {
      piece = this.build(id);
      this.cache[id] = piece;
    }
    return piece;
  }

  private build(id: number): Uint8Array {
    const attr = this.vocab.attrs[id];
    const text = this.vocab.tokens[id];
    if (attr & (Attr.CONTROL | Attr.UNKNOWN | Attr.USER_DEFINED)) return utf8.encode(text);
    if (attr & Attr.NORMAL) {
      return this.vocab.kind === "bpe" ? byteLevelDecode(text) : utf8.encode(text.replaceAll("\u2581", " "));
    }
    if (attr & Attr.BYTE) {
      // "<0xAB>" -> 0xAB (llama.cpp reads the two hex digits at offset 3).
      const value = parseInt(text.substring(3, 5), 16);
      return Uint8Array.of(Number.isNaN(value) ? 0 : value & 0xff);
    }
    return EMPTY; // undefined / unused tokens render as nothing
  }
}

/**
 * llama.cpp's clean_up_tokenization_spaces (applied by llama_detokenize for vocabularies that ask for it):
 * drop the space in " ?", " !", " .", " ,"; turn " ' " into "'"; drop the space before "'s", "'m", "'re", "'ve".
 */
export function cleanUpSpaces(text: string): string {
  if (text.length === 0) return text;
  // Pass 1: space before ? ! . ,
  let s = text;
  let out: string[] = [s[0]];
  for (let i = 1; i < s.length; i++) {
    const x = s[i];
    if (s[i - 1] === " " && (x === "?" || x === "!" || x === "." || x === ",")) out.pop();
    out.push(x);
  }
  // Pass 2: a lone apostrophe between spaces loses both spaces.
  const chars = out;
  out = [chars[0]];
  for (let i = 1; i < chars.length; i++) {
    const x = chars[i];
    if (x === "'" && i + 1 < chars.length && chars[i - 1] === " " && chars[i + 1] === " ") {
      out.pop();
      chars[++i] = "\0"; // the following space is skipped and no longer counts as a space
    }
    out.push(x);
  }
  // Pass 3: contractions.
  s = out.join("");
  out = [s[0]];
  for (let i = 1; i < s.length; i++) {
    const x = s[i];
    if (s[i - 1] === " " && x === "'" && i + 1 < s.length) {
      const x1 = s[i + 1];
      if (x1 === "s" || x1 === "m") {
        out.pop();
      } else if (x1 !== "t" && x1 !== "d" && i + 2 < s.length) {
        const x2 = s[i + 2];
        if ((x1 === "r" && x2 === "e") || (x1 === "v" && x2 === "e")) out.pop();
      }
    }
    out.push(x);
  }
  return out.join("");
}
