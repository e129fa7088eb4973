// The grammars an answer is generated under. Either way the only bracketed numbers the model can write are the
// passages it was shown, [1]..[k], and the answer cannot end before one of them: a citation of a passage that was
// not retrieved, or an answer without a citation, is not a sentence of the grammar.
//
// extractive — the answer is one sentence of a passage, quoted, then that passage's number:
//   root ::= "The pump runs at 40 psi. [2]" | "The valve is red. [1]" | …
// free — the model's own words, in 1–4 parts that each end with citations:
//   root ::= part (" " part){0,3}     part ::= text " " cite{1,3} [.!?]?
//   text ::= [^[\]\n…]{1,N}             cite ::= "[" ("1" | … | "k") "]"
// and should the token budget run out before the first citation, one more step under  root ::= " [" ("1" | … | "k") "]"

/** One alternative of the extractive grammar: the quote and its citation, as the answer reads. */
export function extractiveAlternative(sentence: string, n: number): string {
  return `${sentence} [${n}]`;
}

export function extractiveGbnf(alternatives: readonly string[]): string {
  if (alternatives.length === 0) throw new Error("extractiveGbnf: no sentences to choose from");
  return `root ::= ${alternatives.map(gbnfLiteral).join(" | ")}\n`;
}

/** Longest run of free text between citations in the free grammar. */
export const FREE_TEXT_CHARS = 240;

export function freeGbnf(k: number, textChars = FREE_TEXT_CHARS): string {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`freeGbnf: k must be a positive integer, got ${k}`);
  const numbers = Array.from({ length: k }, (_, i) => `"${i + 1}"`).join(" | ");
  return [
    `root ::= part (" " part){0,3}`,
    `part ::= text " " cite{1,3} [.!?]?`,
    // no brackets (the only ones are citations), no line breaks or other control characters
    `text ::= [^\\[\\]\\x00-\\x1F\\x7F]{1,${textChars}}`,
    `cite ::= "[" (${numbers}) "]"`,
    "",
  ].join("\n");
}

/**
 * Free mode, when the token budget ran out before the first citation: the citation alone, chosen by the model from
 * 1..k and put after what it wrote (so an answer always has one).
 */
export function citationGbnf(k: number): string {
  const numbers = Array.from({ length: k }, (_, i) => `"${i + 1}"`).join(" | ");
  return `root ::= " [" (${numbers}) "]"\n`;
}

/** The passage numbers cited in an answer, in order of first citation. */
export function citedNumbers(answer: string): number[] {
  const out: number[] = [];
  for (const m of answer.matchAll(/\[(\d+)\]/g)) {
    const n = Number(m[1]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** A GBNF string literal: quotes, backslashes and everything outside printable ASCII escaped. */
export function gbnfLiteral(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== "\\") out += ch;
    else out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}
