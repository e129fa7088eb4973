// Blocks → chunks of at most `maxChars` characters (Unicode code points). Neighbouring blocks of one section are
// packed together while they fit (a chunk never spans a heading, so its heading path is its own); a block longer
// than the limit is cut at sentence ends, then at line breaks, then between words, and only a word longer than the
// limit is cut inside. Code is cut at line breaks first. Every chunk is a range of the document text, so its source
// lines follow from the line map.
import { trimRange, type Block, type DocText } from "./doc-text.js";
import { sentenceRanges } from "./sentences.js";

export interface TextChunk {
  /** Offsets in the document text. */
  start: number;
  end: number;
  text: string;
  /** First and last source line, 1-based, inclusive. */
  lines: [number, number];
  headings: string[];
}

export const MIN_CHUNK_CHARS = 32;
export const MAX_CHUNK_CHARS = 100_000;

export function chunkDocument(doc: DocText, maxChars: number): TextChunk[] {
  const text = doc.text;
  const pieces: Block[] = [];
  for (const b of doc.blocks) {
    if (fits(text, b.start, b.end, maxChars)) pieces.push(b);
    else for (const [start, end] of cut(text, b.start, b.end, maxChars, b.code ? CODE_LEVELS : PROSE_LEVELS)) pieces.push({ ...b, start, end });
  }
  const out: TextChunk[] = [];
  let cur: Block | undefined;
  const emit = () => {
    if (!cur) return;
    out.push({ start: cur.start, end: cur.end, text: text.slice(cur.start, cur.end), lines: [doc.lineOf(cur.start), doc.lineOf(cur.end - 1)], headings: cur.headings });
  };
  for (const p of pieces) {
    if (cur && cur.group === p.group && fits(text, cur.start, p.end, maxChars)) cur = { ...cur, end: p.end };
    else {
      emit();
      cur = p;
    }
  }
  emit();
  return out;
}

/** Whether text[start, end) has at most `max` code points. */
export function fits(text: string, start: number, end: number, max: number): boolean {
  if (end - start <= max) return true;
  if (end - start > 2 * max) return false;
  return codePointLength(text.slice(start, end)) <= max;
}

export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

type Splitter = (text: string, start: number, end: number) => [number, number][];

/** Units that cover [start, end) without gaps: the pieces a range may be cut into, coarsest first. */
const bySentence: Splitter = (text, start, end) => sentenceRanges(text, start, end);
const byPattern = (re: RegExp): Splitter => (text, start, end) => {
  const out: [number, number][] = [];
  let at = start;
  const g = new RegExp(re.source, "g");
  g.lastIndex = start;
  for (let m = g.exec(text); m && m.index < end; m = g.exec(text)) {
    const cutAt = Math.min(m.index + m[0].length, end);
    if (cutAt > at) out.push([at, cutAt]);
    at = cutAt;
    if (m[0].length === 0) g.lastIndex++;
  }
  if (at < end) out.push([at, end]);
  return out;
};
const PROSE_LEVELS: Splitter[] = [bySentence, byPattern(/\n/), byPattern(/\s+/)];
const CODE_LEVELS: Splitter[] = [byPattern(/\n/), byPattern(/\s+/)];

/** [start, end) as trimmed ranges of at most `max` code points, cut at the coarsest level that works. */
function cut(text: string, start: number, end: number, max: number, levels: Splitter[]): [number, number][] {
  const out: [number, number][] = [];
  const push = (s: number, e: number) => {
    const r = trimRange(text, s, e);
    if (!r) return;
    if (fits(text, r.start, r.end, max)) out.push([r.start, r.end]);
    else if (levels.length) out.push(...cut(text, r.start, r.end, max, levels.slice(1)));
    else out.push(...hardCut(text, r.start, r.end, max));
  };
  if (levels.length === 0) {
    push(start, end);
    return out;
  }
  let packStart = -1;
  let packEnd = -1;
  for (const [s, e] of levels[0](text, start, end)) {
    if (packStart >= 0 && fits(text, packStart, trimEnd(text, packStart, e), max)) {
      packEnd = e;
      continue;
    }
    if (packStart >= 0) push(packStart, packEnd);
    packStart = s;
    packEnd = e;
  }
  if (packStart >= 0) push(packStart, packEnd);
  return out;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end;
}

/** Cuts every `max` code points (never inside a surrogate pair). */
function hardCut(text: string, start: number, end: number, max: number): [number, number][] {
  const out: [number, number][] = [];
  let at = start;
  while (at < end) {
    let n = 0;
    let i = at;
    while (i < end && n < max) {
      const c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < end ? 2 : 1;
      n++;
    }
    out.push([at, i]);
    at = i;
  }
  return out;
}
