// HTML as blocks for the chunker: tags stripped, character references decoded once (entities.ts), whitespace
// collapsed except inside <pre>. Block elements (p, li, div, tr, blockquote, pre, …) end a block; h1–h6 set the
// heading path; <br> is a line break inside its block; the contents of script, style, head, template, noscript, svg,
// math and the like are dropped; comments, doctypes and processing instructions too. Attributes are never read.
// Every character of the extracted text keeps the source line it came from.
import type { Block, DocText } from "./doc-text.js";
import { referenceAt } from "./entities.js";

const BLOCK_TAGS = new Set(
  ("address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption figure " +
    "footer form header hgroup hr html li main menu nav ol p pre section summary table tbody td tfoot th thead tr ul legend option")
    .split(" "),
);
/** Cells: a space between them, not a block of their own. */
const CELL_TAGS = new Set(["td", "th"]);
/** Elements whose contents are not document text. */
const SKIP_TAGS = new Set(["script", "style", "head", "template", "noscript", "svg", "math", "iframe", "object", "canvas", "select", "textarea", "button"]);

const MARKUP = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*(?:>|$)|<\?[^>]*(?:>|$)|<(\/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;

export function htmlDocument(src: string): DocText {
  const b = new Builder();
  const path: { level: number; title: string }[] = [];
  let group = 0;
  let pre = 0;
  let heading: { level: number; text: string } | undefined;
  let line = 1;
  let nextBreak = src.indexOf("\n");
  /** The source line at `offset` (offsets only move forward). */
  const lineAt = (offset: number) => {
    for (; nextBreak >= 0 && nextBreak < offset; nextBreak = src.indexOf("\n", nextBreak + 1)) line++;
    return line;
  };
  const endBlock = () => b.endBlock(path.map((h) => h.title), group, pre > 0);

  const text = (from: number, to: number) => {
    for (let i = from; i < to; ) {
      let ch = src[i];
      let len = 1;
      if (ch === "&") {
        const r = referenceAt(src, i);
        if (r) [ch, len] = [r.text, r.length];
      } else if (ch >= "\ud800" && ch <= "\udbff" && i + 1 < to) {
        [ch, len] = [src.slice(i, i + 2), 2];
      }
      const at = lineAt(i);
      if (heading) heading.text += ch;
      else b.add(ch, at, pre > 0);
      i += len;
    }
  };

  MARKUP.lastIndex = 0;
  let at = 0;
  for (let m = MARKUP.exec(src); m; m = MARKUP.exec(src)) {
    text(at, m.index);
    at = m.index + m[0].length;
    const name = m[2]?.toLowerCase();
    if (name === undefined) continue; // comment, doctype, CDATA, processing instruction
    const closing = m[1] === "/";
    const selfClosing = /\/\s*$/.test(m[3]);
    lineAt(m.index);
    if (!closing && SKIP_TAGS.has(name)) {
      if (selfClosing) continue;
      const end = new RegExp(`</${name}\\s*>`, "ig");
      end.lastIndex = at;
      const e = end.exec(src);
      at = e ? e.index + e[0].length : src.length;
      MARKUP.lastIndex = at;
      continue;
    }
    if (/^h[1-6]$/.test(name)) {
      if (!closing) {
        endBlock();
        heading = { level: Number(name[1]), text: "" };
      } else if (heading) {
        while (path.length && path[path.length - 1].level >= heading.level) path.pop();
        const title = heading.text.replace(/\s+/g, " ").trim();
        if (title !== "") path.push({ level: heading.level, title });
        heading = undefined;
        group++;
      }
      continue;
    }
    if (name === "br") b.lineBreak(lineAt(m.index), pre > 0);
    else if (name === "hr") {
      endBlock();
      group++;
    } else if (CELL_TAGS.has(name)) b.space();
    else if (BLOCK_TAGS.has(name)) {
      endBlock();
      if (name === "pre") pre = Math.max(0, pre + (closing ? -1 : selfClosing ? 0 : 1));
    }
  }
  text(at, src.length);
  if (heading) {
    // an unclosed heading at the end is still text
    const h = heading;
    heading = undefined;
    for (const ch of h.text) b.add(ch, line, false);
  }
  endBlock();
  return b.finish();
}

/** The extracted text, one block at a time, with the source line of each UTF-16 unit. */
class Builder {
  private text = "";
  private lines: number[] = [];
  private readonly blocks: Block[] = [];
  private blockStart = -1;
  private pendingSpace = false;
  private pendingBreak = false;
  private lastLine = 1;

  add(ch: string, line: number, pre: boolean): void {
    const white = /^\s$/.test(ch);
    if (this.blockStart < 0 && white) return; // a block starts at its first visible character
    if (white && !pre) {
      this.pendingSpace = true;
      return;
    }
    if (this.blockStart < 0) this.blockStart = this.open();
    else if (this.pendingBreak || this.pendingSpace) {
      this.put(this.pendingBreak ? "\n" : " ", this.lastLine);
    }
    this.pendingBreak = this.pendingSpace = false;
    this.put(ch, line);
  }

  space(): void {
    if (this.blockStart >= 0) this.pendingSpace = true;
  }

  lineBreak(line: number, pre: boolean): void {
    if (pre) this.add("\n", line, true);
    else if (this.blockStart >= 0) this.pendingBreak = true;
  }

  endBlock(headings: string[], group: number, code: boolean): void {
    this.pendingBreak = this.pendingSpace = false;
    if (this.blockStart < 0) return;
    let end = this.text.length;
    while (end > this.blockStart && /\s/.test(this.text[end - 1])) end--;
    this.text = this.text.slice(0, end);
    this.lines.length = end;
    if (end > this.blockStart) this.blocks.push({ start: this.blockStart, end, headings, group, code });
    this.blockStart = -1;
  }

  finish(): DocText {
    const lines = this.lines;
    return { text: this.text, blocks: this.blocks, lineOf: (offset) => lines[Math.min(offset, lines.length - 1)] ?? 1 };
  }

  /** A blank line between blocks (it belongs to the line of the block before). */
  private open(): number {
    if (this.text.length) {
      this.put("\n", this.lastLine);
      this.put("\n", this.lastLine);
    }
    return this.text.length;
  }

  private put(s: string, line: number): void {
    this.text += s;
    for (let i = 0; i < s.length; i++) this.lines.push(line);
    this.lastLine = line;
  }
}
