// SentencePiece-style (llama.cpp "SPM") encoding: merge adjacent symbols by vocabulary score, then byte fallback.
import { MergeHeap } from "./merge-heap.js";
import { SymbolChain } from "./symbol-chain.js";

const utf8 = new TextEncoder();

/** Chunks cached at most; the cache is dropped wholesale when full. */
const MAX_CACHED_CHUNKS = 100_000;

export class SpmEncoder {
  private readonly chain = new SymbolChain();
  private readonly heap = new MergeHeap();
  private readonly cache = new Map<string, number[]>();
  /** Every pair of adjacent code points found inside some token, keyed cp1 * 0x110000 + cp2. */
  private readonly innerPairs = new Set<number>();

  /**
   * @param tokenToId every token text (all types, as llama.cpp's text_to_token)
   * @param scores merge score by token id
   * @param byteToken id for a raw byte that no token covers
   */
  constructor(
    private readonly tokenToId: Map<string, number>,
    private readonly scores: ArrayLike<number>,
    private readonly byteToken: (byte: number) => number,
  ) {
    for (const token of tokenToId.keys()) {
      let prev = -1;
      for (const ch of token) {
        const cp = ch.codePointAt(0)!;
        if (prev >= 0) this.innerPairs.add(prev * 0x110000 + cp);
        prev = cp;
      }
    }
  }

  /**
   * Tokenize `text` (spaces already escaped to U+2581) and append ids to `out`.
   *
   * Merges only ever join symbols whose concatenation is a token, so no symbol can grow across a boundary between
   * two code points that are adjacent in no token. The text is cut at such boundaries and each chunk is merged on
   * its own (and cached): the result is the same as merging the whole text at once, because the pops of one chunk
   * keep their relative order whatever happens in the others.
   */
  encode(text: string, out: number[]): void {
    let chunkStart = 0;
    let prev = -1;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      if (prev >= 0 && !this.innerPairs.has(prev * 0x110000 + cp)) {
        this.encodeChunk(text.substring(chunkStart, i), out);
        chunkStart = i;
      }
      prev = cp;
      i += cp > 0xffff ? 2 : 1;
    }
    if (chunkStart < text.length) this.encodeChunk(chunkStart === 0 ? text : text.substring(chunkStart), out);
  }

  /** The same result as encode() without chunking or caching: the reference path (used by tests). */
  encodeUnchunked(text: string, out: number[]): void {
    this.merge(text, out);
  }

  private encodeChunk(chunk: string, out: number[]): void {
    let ids = this.cache.get(chunk);
    if (ids === undefined) {
      ids = [];
      this.merge(chunk, ids);
      if (this.cache.size >= MAX_CACHED_CHUNKS) this.cache.clear();
      this.cache.set(chunk, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  /**
   * Start from one symbol per code point; repeatedly merge the adjacent pair whose concatenation is a token with the
   * highest score (leftmost on ties); symbols that end up not being tokens are emitted as their UTF-8 bytes.
   */
  private merge(text: string, out: number[]): void {
    if (text.length === 0) return;
    const chain = this.chain;
    const heap = this.heap;
    chain.splitCodePoints(text);
    heap.clear();
    for (let i = 1; i < chain.count; i++) this.tryAddPair(text, i - 1, i);

    while (heap.length > 0) {
      heap.pop();
      const left = heap.poppedLeft;
      const right = heap.poppedRight;
      const leftLen = chain.len[left];
      const rightLen = chain.len[right];
      // Skip stale candidates: one side was merged away or grew since the pair was queued.
      if (leftLen === 0 || rightLen === 0 || leftLen + rightLen !== heap.poppedSize) continue;
      chain.merge(left, right);
      this.tryAddPair(text, chain.prev[left], left);
      this.tryAddPair(text, left, chain.next[left]);
    }

    for (let i = 0; i !== -1; i = chain.next[i]) {
      const piece = chain.text(text, i);
      const id = this.tokenToId.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      // Only single code points can be non-tokens here (merged symbols are tokens by construction).
      for (const b of utf8.encode(piece)) out.push(this.byteToken(b));
    }
  }

  private tryAddPair(text: string, left: number, right: number): void {
    if (left < 0 || right < 0) return;
    const chain = this.chain;
    const size = chain.len[left] + chain.len[right];
    const start = chain.start[left];
    const id = this.tokenToId.get(text.substring(start, start + size));
    if (id === undefined) return;
    // Highest score first: the heap pops the smallest priority.
    this.heap.push(-this.scores[id], left, right, size);
  }
}
