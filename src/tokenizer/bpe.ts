// Byte-level BPE encoding of one pre-tokenized word: apply merges by rank (lowest first, leftmost on ties).
import { byteLevelEncode } from "./byte-level.js";
import { MergeHeap } from "./merge-heap.js";
import { MergeTable } from "./merge-table.js";
import { SymbolChain } from "./symbol-chain.js";

/** Words cached at most; the cache is dropped wholesale when full (cheap, and typical text re-fills it quickly). */
const MAX_CACHED_WORDS = 100_000;

export class BpeEncoder {
  private readonly chain = new SymbolChain();
  private readonly heap = new MergeHeap();
  private readonly cache = new Map<string, number[]>();

  /**
   * @param tokenToId every token text (all types)
   * @param merges the merges (tokenizer.ggml.merges), as a table of token-id pairs
   * @param ignoreMerges emit a word that is itself a token without merging (Llama 3 style)
   */
  constructor(
    private readonly tokenToId: Map<string, number>,
    private readonly merges: MergeTable,
    private readonly ignoreMerges: boolean,
  ) {}

  /** Append the ids of one pre-tokenized word (plain text) to `out`. */
  encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.encodeUncached(byteLevelEncode(word));
      if (this.cache.size >= MAX_CACHED_WORDS) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  private encodeUncached(word: string): number[] {
    const out: number[] = [];
    const chain = this.chain;
    const heap = this.heap;
    if (this.ignoreMerges && this.tokenToId.has(word)) {
      chain.whole(word);
    } else {
      chain.splitCodePoints(word);
    }
    for (let i = 0; i < chain.count; i++) chain.id[i] = this.tokenToId.get(chain.text(word, i)) ?? -1;
    heap.clear();
    for (let i = 1; i < chain.count; i++) this.tryAddPair(word, i - 1, i);

    while (heap.length > 0) {
      heap.pop();
      const left = heap.poppedLeft;
      const right = heap.poppedRight;
      const leftLen = chain.len[left];
      const rightLen = chain.len[right];
      // Stale candidate: a side was merged away or grew, so the pair's text is no longer what was ranked.
      if (leftLen === 0 || rightLen === 0 || leftLen + rightLen !== heap.poppedSize) continue;
      const slot = chain.id[left] >= 0 && chain.id[right] >= 0 ? this.merges.find(chain.id[left], chain.id[right]) : -1;
      chain.merge(left, right);
      chain.id[left] = slot >= 0 ? this.merges.resultAt(slot) : (this.tokenToId.get(chain.text(word, left)) ?? -1);
      this.tryAddPair(word, chain.prev[left], left);
      this.tryAddPair(word, left, chain.next[left]);
    }

    if (chain.count === 0) return out;
    for (let i = 0; i !== -1; i = chain.next[i]) {
      if (chain.id[i] >= 0) {
        out.push(chain.id[i]);
        continue;
      }
      const piece = chain.text(word, i);
      // No token for the merged text: fall back to single-byte tokens. As in llama.cpp, only bytes whose text is one
      // byte long (ASCII stand-ins) can match; the others are dropped.
      for (let j = 0; j < piece.length; j++) {
        if (piece.charCodeAt(j) >= 0x80) continue;
        const byteId = this.tokenToId.get(piece[j]);
        if (byteId !== undefined) out.push(byteId);
      }
    }
    return out;
  }

  private tryAddPair(word: string, left: number, right: number): void {
    if (left < 0 || right < 0) return;
    const chain = this.chain;
    const m = this.merges;
    let rank: number | undefined;
    const l = chain.id[left];
    const r = chain.id[right];
    if (l >= 0 && r >= 0) {
      const slot = m.find(l, r);
      if (slot >= 0) rank = m.rankAt(slot);
    }
    if (rank === undefined && m.strays.size) rank = m.strays.get(chain.text(word, left) + " " + chain.text(word, right));
    if (rank === undefined) return;
    this.heap.push(rank, left, right, chain.len[left] + chain.len[right]);
  }
}
