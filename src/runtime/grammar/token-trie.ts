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
  /** Per node, in preorder: the byte on the edge into it, its depth (1 = first byte), and the index after its subtree. */
  readonly byte: Uint8Array;
  readonly depth: Uint16Array;
  readonly skip: Int32Array;
  /** Tokens ending at node i: tokens[tokenStart[i] .. tokenStart[i + 1]). */
  readonly tokenStart: Int32Array;
  readonly tokens: Int32Array;
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
    this.byte = Uint8Array.from(byte);
    this.depth = Uint16Array.from(depth.map((d) => Math.min(d, 65535)));
    this.maxDepth = maxDepth;
    // skip[i]: first later node not deeper than node i
    this.skip = new Int32Array(N);
    const open: number[] = [];
    for (let i = 0; i < N; i++) {
      while (open.length && depth[open[open.length - 1]] >= depth[i]) this.skip[open.pop()!] = i;
      open.push(i);
    }
    while (open.length) this.skip[open.pop()!] = N;
    // tokens per node (ids are in key order, so a node's tokens are contiguous)
    this.tokenStart = new Int32Array(N + 1);
    for (let k = 0; k < ids.length; k++) this.tokenStart[tokenNode[k] + 1]++;
    for (let i = 0; i < N; i++) this.tokenStart[i + 1] += this.tokenStart[i];
    this.tokens = new Int32Array(ids.length);
    const fill = this.tokenStart.slice(0, N);
    for (let k = 0; k < ids.length; k++) this.tokens[fill[tokenNode[k]]++] = ids[k];
  }

  get nodes(): number {
    return this.byte.length;
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
