// Sentences: where the chunker may cut a long paragraph, and what an extractive answer may quote. Boundaries come
// from ICU's sentence rules (Intl.Segmenter: "." "!" "?" "।" and the like), with fragments of fewer than three words
// ("Dr.", "No.") joined to the sentence after them.

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/** Sentence ranges [start, end) of text[from, to), trailing whitespace included, covering it without gaps. */
export function sentenceRanges(text: string, from = 0, to = text.length): [number, number][] {
  const out: [number, number][] = [];
  for (const s of segmenter.segment(text.slice(from, to))) {
    const start = from + s.index;
    const end = start + s.segment.length;
    const prev = out[out.length - 1];
    if (prev && wordCount(text.slice(prev[0], prev[1])) < 3) prev[1] = end;
    else out.push([start, end]);
  }
  const last = out[out.length - 1];
  if (out.length > 1 && wordCount(text.slice(last[0], last[1])) < 3) {
    out.pop();
    out[out.length - 1][1] = last[1];
  }
  return out;
}

function wordCount(s: string): number {
  return s.split(/[^\p{L}\p{N}\p{M}]+/u).filter((w) => w !== "").length;
}

/** Line-start marks that begin a unit of their own: list items, headings, quotes, table rows. */
const LINE_MARK = /^[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+|#{1,6}[ \t]+|>[ \t]?|\|)/;

/**
 * The sentences of a passage as an extractive answer quotes them: whitespace collapsed to single spaces, a leading
 * list, quote or heading mark left out; each one occurs in the passage text with its whitespace collapsed.
 */
export function passageSentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n[ \t]*\n/)) {
    // a paragraph's lines run together, except that a marked line (a list item, a table row) starts a new unit
    const units: string[] = [];
    for (const line of para.split("\n")) {
      if (units.length === 0 || LINE_MARK.test(line)) units.push(line);
      else units[units.length - 1] += "\n" + line;
    }
    for (const unit of units) {
      const flat = unit.replace(LINE_MARK, "").replace(/\s+/g, " ").trim();
      if (flat === "") continue;
      for (const [s, e] of sentenceRanges(flat)) {
        const sentence = flat.slice(s, e).trim();
        if (/[\p{L}\p{N}]/u.test(sentence)) out.push(sentence);
      }
    }
  }
  return out;
}

/** Whitespace runs as single spaces (how a quote is compared with its passage). */
export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
