// Markdown and plain text as blocks for the chunker. Markdown: ATX (`## Title`) and setext (`Title\n===`) headings
// set the heading path and are not part of any block; paragraphs end at blank lines; each list item starts a block;
// fenced code (``` or ~~~) is one block, whatever it holds (no headings or blank-line breaks inside); YAML front
// matter is skipped; a thematic break (`---`, `***`) ends a section. Plain text: paragraphs between blank lines.
// The document text is the source itself, so every chunk is a verbatim slice of its file.
import { sourceLineMap, trimRange, type Block, type DocText } from "./doc-text.js";

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const BLOCKQUOTE = /^ {0,3}>/;
const BLANK = /^[ \t]*$/;

interface Open {
  first: number;
  last: number;
  /** A paragraph that may still become a setext heading (not a list item or quote). */
  plain: boolean;
}

export function markdownDocument(text: string): DocText {
  const lines = text.split("\n");
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i].length + 1, i++) starts.push(at);
  const blocks: Block[] = [];
  const path: { level: number; title: string }[] = [];
  let group = 0;
  let open: Open | undefined;

  const push = (first: number, last: number, code: boolean) => {
    const range = trimRange(text, starts[first], starts[last] + lines[last].length);
    if (range) blocks.push({ ...range, headings: path.map((h) => h.title), group, code });
  };
  const flush = () => {
    if (open) push(open.first, open.last, false);
    open = undefined;
  };
  const heading = (level: number, title: string) => {
    while (path.length && path[path.length - 1].level >= level) path.pop();
    const t = plainInline(title);
    if (t !== "") path.push({ level, title: t });
    group++;
  };

  let i = frontMatterEnd(lines);
  for (; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence && !(fence[1][0] === "`" && fence[2].includes("`"))) {
      flush();
      const mark = fence[1];
      let j = i + 1;
      while (j < lines.length && !isClosingFence(lines[j], mark)) j++;
      push(i, Math.min(j, lines.length - 1), true);
      i = j;
      continue;
    }
    if (BLANK.test(line)) {
      flush();
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      heading(atx[1].length, atx[2] ?? "");
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && open?.plain) {
      const title = lines.slice(open.first, open.last + 1).join(" ");
      open = undefined;
      heading(setext[1][0] === "=" ? 1 : 2, title);
      continue;
    }
    if (THEMATIC.test(line)) {
      flush();
      group++;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      flush();
      open = { first: i, last: i, plain: false };
      continue;
    }
    if (open) open.last = i;
    else open = { first: i, last: i, plain: !BLOCKQUOTE.test(line) };
  }
  flush();
  return { text, blocks, lineOf: sourceLineMap(text) };
}

/** Plain text: paragraphs between blank lines, no headings. */
export function textDocument(text: string): DocText {
  const blocks: Block[] = [];
  const re = /\n[ \t]*\n/g;
  let at = 0;
  for (;;) {
    const m = re.exec(text);
    const end = m ? m.index : text.length;
    const range = trimRange(text, at, end);
    if (range) blocks.push({ ...range, headings: [], group: 0, code: false });
    if (!m) break;
    at = m.index + m[0].length;
    re.lastIndex = at;
  }
  return { text, blocks, lineOf: sourceLineMap(text) };
}

/** The line after YAML front matter (`---` on the first line up to `---` or `...`), or 0 without it. */
function frontMatterEnd(lines: string[]): number {
  if (lines[0]?.trimEnd() !== "---") return 0;
  for (let i = 1; i < Math.min(lines.length, 200); i++) if (/^(---|\.\.\.)[ \t]*$/.test(lines[i])) return i + 1;
  return 0;
}

function isClosingFence(line: string, mark: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1][0] === mark[0] && m[1].length >= mark.length;
}

/** A heading's words without inline markup: links become their text, emphasis and code marks go. */
export function plainInline(s: string): string {
  return s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*`]+/g, "")
    .replace(/(^|\s)_+|_+(\s|$)/g, "$1$2")
    .replace(/\s+/g, " ")
    .trim();
}
