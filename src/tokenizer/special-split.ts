// Split input text around special-token texts before normal tokenization (llama.cpp's tokenizer_st_partition).

/** A piece of the input: raw text still to tokenize, or an already-resolved token id. */
export type Fragment = string | number;

export interface SpecialTokenInfo {
  id: number;
  text: string;
  /** Control or unknown token: only matched when parsing specials. User-defined tokens are always matched. */
  controlOrUnknown: boolean;
  /** Drop whitespace before / after a match (ASCII isspace, as llama.cpp). */
  lstrip: boolean;
  rstrip: boolean;
}

function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * Partition `text` by special tokens, tried one token at a time in the given order (longest text first); every
 * occurrence of a token in every remaining text fragment is cut out, left to right. Returns text fragments
 * (non-empty) and token ids in input order.
 */
export function splitOnSpecialTokens(
  text: string,
  specials: readonly SpecialTokenInfo[],
  parseSpecial: boolean,
): Fragment[] {
  let fragments: Fragment[] = [text];
  // Cheap pre-check: a token can only match if its first two chars occur somewhere in the input.
  const present = new Map<string, boolean>();
  for (const sp of specials) {
    if (!parseSpecial && sp.controlOrUnknown) continue;
    const prefix = sp.text.slice(0, 2);
    let has = present.get(prefix);
    if (has === undefined) {
      has = text.includes(prefix);
      present.set(prefix, has);
    }
    if (!has || !text.includes(sp.text)) continue;
    fragments = cutToken(fragments, sp);
  }
  return fragments;
}

function cutToken(fragments: Fragment[], sp: SpecialTokenInfo): Fragment[] {
  const out: Fragment[] = [];
  const needle = sp.text;
  for (const frag of fragments) {
    if (typeof frag === "number") {
      out.push(frag);
      continue;
    }
    const end = frag.length;
    let from = 0;
    for (;;) {
      const at = frag.indexOf(needle, from);
      if (at < 0) break;
      let leftEnd = at;
      if (sp.lstrip) while (leftEnd > from && isAsciiSpace(frag.charCodeAt(leftEnd - 1))) leftEnd--;
      if (leftEnd > from) out.push(frag.slice(from, leftEnd));
      out.push(sp.id);
      from = at + needle.length;
      if (sp.rstrip) while (from < end && isAsciiSpace(frag.charCodeAt(from))) from++;
    }
    if (from < end) out.push(from === 0 ? frag : frag.slice(from));
  }
  return out;
}
