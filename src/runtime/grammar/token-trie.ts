// The vocabulary as a byte trie in preorder, built once per tokenizer: walking it from a grammar state visits each
// shared token prefix once and skips a whole subtree at the first byte the grammar rejects.

/** What constrained sampling needs to know about a vocabulary (structural: the Tokenizer satisfies it). */
export interface GrammarVocabulary {
  readonly vocabSize: number;
  /** Bytes a token adds to the generated text; with special = false control tokens render as nothing. */
  tokenToPiece(id: number, special?: boolean): Uint8Array;
  isEog(id: number): boolean;
}

export class TokenTrie {
  readonly vocabSize: number;
  /** Per node, in preorder: depth << 8 | the byte on the edge into it (depth 1 = a token's first byte). */
  readonly edge: Int32Array;
  /** Per node: the index after its subtree. */
  readonly skip: Int32Array;
  /**
   * Per node: the token ending there, vocabSize for none (a spare bit in masks, so the walk needs no branch), or
   * −2 − k when several do: `more[k]` lists them, −1 ended.
   */
  readonly token: Int32Array;
  readonly more: Int32Array;
  /** End-of-generation tokens (allowed only where the grammar may end). */
  readonly eog: Int32Array;
  /** isEog[id] = 1 for end-of-generation tokens. */
  readonly isEog: Uint8Array;
  readonly maxDepth: number;
  /** Bytes of each token in the trie (empty for the others). */
  private readonly pieces: Uint8Array[];

  constructor(vocab: GrammarVocabulary) {
    const V = (this.vocabSize = vocab.vocabSize);
    this.isEog = new Uint8Array(V);
    this.pieces = new Array(V);
    const keys: string[] = new Array(V);
    const ids: number[] = [];
    const eog: number[] = [];
    const EMPTY = new Uint8Array(0);
    for (let id = 0; id < V; id++) {
      this.pieces[id] = EMPTY;
      if (vocab.isEog(id)) {
        eog.push(id);
        this.isEog[id] = 1;
        continue;
      }
      const piece = vocab.tokenToPiece(id, false);
      // Control tokens render as nothing and NUL never belongs in text: neither can take part in a grammar's text.
      if (piece.length === 0 || piece.includes(0)) continue;
      this.pieces[id] = piece;
      keys[id] = latin1(piece);
      ids.push(id);
    }
    ids.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
    this.eog = Int32Array.from(eog);

    // nodes from the sorted keys: each key adds the nodes past its common prefix with the previous key
    const byte: number[] = [];
    const depth: number[] = [];
    const tokenNode = new Int32Array(ids.length);
    let prev = "";
    let maxDepth = 0;
    const pathNode: number[] = []; // node index at each depth of the current path
    for (let k = 0; k < ids.length; k++) {
      const key = keys[ids[k]];
      let lcp = 0;
      const lim = Math.min(key.length, prev.length);
      while (lcp < lim && key.charCodeAt(lcp) === prev.charCodeAt(lcp)) lcp++;
      for (let d = lcp; d < key.length; d++) {
        pathNode[d] = byte.length;
        byte.push(key.charCodeAt(d));
        depth.push(d + 1);
      }
      tokenNode[k] = pathNode[key.length - 1];
      maxDepth = Math.max(maxDepth, key.length);
      prev = key;
    }
    const N = byte.length;
    this.edge = new Int32Array(N);
    for (let i = 0; i < N; i++) this.edge[i] = (Math.min(depth[i], 0x7fffff) << 8) | byte[i];
    this.maxDepth = maxDepth;
    // skip[i]: first later node not deeper than node i
    this.skip = new Int32Array(N);
    const open: number[] = [];
    for (let i = 0; i < N; i++) {
      while (open.length && depth[open[open.length - 1]] >= depth[i]) this.skip[open.pop()!] = i;
      open.push(i);
    }
    while (open.length) this.skip[open.pop()!] = N;
    // tokens per node: one id, or a list when several tokens have the same bytes (ids are in key order)
    this.token = new Int32Array(N).fill(V);
    const more: number[] = [];
    for (let k = 0; k < ids.length; k++) {
      const node = tokenNode[k];
      if (k > 0 && tokenNode[k - 1] === node) continue;
      let end = k + 1;
      while (end < ids.length && tokenNode[end] === node) end++;
      if (end === k + 1) this.token[node] = ids[k];
      else {
        this.token[node] = -2 - more.length;
        for (let j = k; j < end; j++) more.push(ids[j]);
        more.push(-1);
      }
    }
    this.more = Int32Array.from(more);
  }

  get nodes(): number {
    return this.edge.length;
  }

  /** The bytes of a token as the grammar sees them (empty for control tokens and EOG). */
  piece(id: number): Uint8Array {
    return this.pieces[id];
  }

  private static cache = new WeakMap<object, TokenTrie>();

  /** One trie per vocabulary object (built on first use: ~0.1–0.3 s for a 150k vocabulary). */
  static for(vocab: GrammarVocabulary): TokenTrie {
    let t = TokenTrie.cache.get(vocab);
    if (!t) {
      t = new TokenTrie(vocab);
      TokenTrie.cache.set(vocab, t);
    }
    return t;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}
