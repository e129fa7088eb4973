// Random sentences of a grammar, drawn by walking GrammarConstraint over a byte-level vocabulary: token 0 ends the
// generation, tokens 1–256 are the single bytes, then some multi-byte UTF-8 characters and JSON-ish chunks. At each
// step a random allowed token is taken (closers weigh more as the text grows, so walks end); a walk that runs past
// its length bound is abandoned.
import { GrammarConstraint } from "../../src/runtime/grammar/constraint.js";
import type { Grammar } from "../../src/runtime/grammar/grammar.js";
import type { GrammarVocabulary } from "../../src/runtime/grammar/token-trie.js";

const utf8 = new TextEncoder();
const CHUNKS = ["é", "ক", "বাং", "😀", "€", "\u2028", "true", "false", "null", '": ', '", "', "\n  ", "\n\t", "\\n", "\\u00e9", "\\ud83d\\ude00", "2024-02-29", "T12:30:00Z", "-0", "1e5", "0."];

export const EOG = 0;
export const PIECES: Uint8Array[] = [new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)), ...CHUNKS.map((c) => utf8.encode(c))];
export const BYTE_VOCAB: GrammarVocabulary = {
  vocabSize: PIECES.length,
  tokenToPiece: (id) => PIECES[id],
  isEog: (id) => id === EOG,
};

/** A seeded generator of floats in [0, 1). */
export function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function weight(piece: Uint8Array, len: number, soft: number): number {
  if (piece.length === 0) return len > soft ? 400 : 30; // end of generation
  const b = piece[0];
  const late = len > soft;
  if (piece.length > 1) return late ? 0.2 : 1.5;
  if (b === 0x22 || b === 0x5d || b === 0x7d) return late ? 60 : 12; // " ] }
  if (b === 0x2c) return late ? 0.5 : 6; // ,
  if (b === 0x5b || b === 0x7b) return late ? 0.05 : 2; // [ {
  if (b === 0x20 || b === 0x0a || b === 0x09) return late ? 0.2 : 1.5;
  if (b === 0x5c) return late ? 0.3 : 3; // backslash: escapes
  if (b >= 0x30 && b <= 0x39) return late ? 0.5 : 1;
  return late ? 0.3 : 1;
}

/** One random sentence (its UTF-8 bytes decoded), or null when the walk ran past `maxBytes`. */
export function randomSentence(grammar: Grammar, rnd: () => number, maxBytes = 600, soft = 120): string | null {
  const con = new GrammarConstraint(grammar, BYTE_VOCAB);
  const out: number[] = [];
  for (;;) {
    if (con.isComplete) break;
    const mask = con.mask().bits;
    const ids: number[] = [];
    const ws: number[] = [];
    let total = 0;
    for (let id = 0; id < PIECES.length; id++) {
      if (!(mask[id >>> 5] & (1 << (id & 31)))) continue;
      const w = weight(PIECES[id], out.length, soft);
      ids.push(id);
      ws.push(w);
      total += w;
    }
    if (ids.length === 0) throw new Error(`dead end after ${JSON.stringify(Buffer.from(out).toString())}`);
    let r = rnd() * total;
    let k = 0;
    while (k < ids.length - 1 && (r -= ws[k]) >= 0) k++;
    const id = ids[k];
    if (id === EOG) break;
    con.accept(id);
    out.push(...PIECES[id]);
    if (out.length > maxBytes) return null;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(out));
}
