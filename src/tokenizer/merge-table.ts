// BPE merges as a compact table of token-id pairs: (left id, right id) → (rank, merged id), open addressing over
// typed arrays — a few bytes per merge instead of a string-keyed Map (which held ~37 MB for a 150k vocabulary).
// Merges whose parts or result are not tokens (malformed vocabularies) keep a small string-keyed fallback.

export class MergeTable {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly rank: Int32Array;
  private readonly result: Int32Array;
  private readonly mask: number;
  /** "left right" → rank, for merges that cannot be written as token ids. */
  readonly strays = new Map<string, number>();

  constructor(merges: readonly string[], tokenToId: ReadonlyMap<string, number>) {
    let size = 16;
    while (size < merges.length + (merges.length >> 1)) size <<= 1; // load ≤ 2/3: short probes, 4 MB for 151k merges
    this.mask = size - 1;
    this.left = new Int32Array(size).fill(-1);
    this.right = new Int32Array(size);
    this.rank = new Int32Array(size);
    this.result = new Int32Array(size);
    for (let i = 0; i < merges.length; i++) {
      const m = merges[i];
      // llama.cpp splits at the first space after position 0
      const sp = m.indexOf(" ", 1);
      if (sp < 0) {
        if (!this.strays.has(" ")) this.strays.set(" ", i);
        continue;
      }
      const a = m.slice(0, sp);
      const b = m.slice(sp + 1);
      const l = tokenToId.get(a);
      const r = tokenToId.get(b);
      const res = tokenToId.get(a + b);
      if (l === undefined || r === undefined || res === undefined) {
        if (!this.strays.has(m)) this.strays.set(m, i);
        continue;
      }
      this.insert(l, r, i, res); // the first occurrence of a pair wins
    }
  }

  /** Slot of the merge of (l, r), or -1. */
  find(l: number, r: number): number {
    for (let i = hash(l, r) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.left[i];
      if (k === -1) return -1;
      if (k === l && this.right[i] === r) return i;
    }
  }

  rankAt(slot: number): number {
    return this.rank[slot];
  }

  resultAt(slot: number): number {
    return this.result[slot];
  }

  private insert(l: number, r: number, rank: number, res: number): void {
    for (let i = hash(l, r) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.left[i];
      if (k === l && this.right[i] === r) return;
      if (k === -1) {
        this.left[i] = l;
        this.right[i] = r;
        this.rank[i] = rank;
        this.result[i] = res;
        return;
      }
    }
  }
}

function hash(l: number, r: number): number {
  return (Math.imul(l, 0x9e3779b1) ^ Math.imul(r + 0x7f4a7c15, 0x85ebca77)) >>> 0;
}
