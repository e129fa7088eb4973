// What the chunker cuts: a document's text (Markdown and text: the source itself; HTML: the extracted text), its
// blocks of structure, and the source line of every character.

/**
 * A range of the document text that is one unit of structure: a paragraph, a list item, a code block, an HTML block
 * element. Blocks of one `group` (the same section: no heading or rule between them) may share a chunk.
 */
export interface Block {
  start: number;
  end: number;
  headings: string[];
  group: number;
  /** Code keeps its lines: a long code block is cut at line breaks before anything else. */
  code: boolean;
}

export interface DocText {
  /** Markdown and text: the source itself; HTML: the extracted text, blocks separated by a blank line. */
  text: string;
  blocks: Block[];
  /** 1-based source line of the character at `offset` of `text`. */
  lineOf(offset: number): number;
}

/** lineOf for a text that is its own source: a binary search over the line starts. */
export function sourceLineMap(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** [start, end) without the whitespace at either side, or undefined when nothing is left. */
export function trimRange(text: string, start: number, end: number): { start: number; end: number } | undefined {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end > start ? { start, end } : undefined;
}
