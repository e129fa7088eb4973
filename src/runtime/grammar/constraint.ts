// Grammar-constrained sampling for one generation: which tokens keep the output inside the grammar, as a mask over
// the logits, and the grammar state after each accepted token.
//
// A token is allowed when its bytes lead from the current state to a live state (a token may end inside a UTF-8
// character if some completion of it can still match, as llama.cpp allows); an end-of-generation token only where
// the grammar may end. Masks are computed by walking the vocabulary trie from the state, and cached per state (per
// grammar and vocabulary, shared by all generations), so a state seen before costs one table lookup.
import { EdgeError } from "../../errors.js";
import { REJECT, UNKNOWN, type GrammarAutomaton } from "./automaton.js";
import { El } from "./elements.js";
import type { Grammar, StateHolder } from "./grammar.js";
import { TokenTrie, type GrammarVocabulary } from "./token-trie.js";

/** Token masks of one (grammar, vocabulary) pair: a bitset of allowed tokens per automaton state. */
class MaskCache {
  readonly masks = new Map<number, Uint32Array>();
  private words = 0;
  /** Walk scratch: the state at each trie depth. */
  readonly stateAt: Int32Array;

  constructor(readonly trie: TokenTrie, private readonly maxWords: number) {
    this.stateAt = new Int32Array(trie.maxDepth + 1);
  }

  get(state: number): Uint32Array | undefined {
    return this.masks.get(state);
  }

  put(state: number, mask: Uint32Array): void {
    if (this.words + mask.length > this.maxWords) this.clear();
    this.masks.set(state, mask);
    this.words += mask.length;
  }

  clear(): void {
    this.masks.clear();
    this.words = 0;
  }
}

const maskCaches = new WeakMap<Grammar, Map<TokenTrie, MaskCache>>();
/** Mask cache bound per (grammar, vocabulary): 32 MiB (about 1,700 masks of a 152k vocabulary). */
const MAX_MASK_WORDS = 8 << 20;

function maskCacheFor(grammar: Grammar, trie: TokenTrie): MaskCache {
  let byTrie = maskCaches.get(grammar);
  if (!byTrie) {
    const m = new Map<TokenTrie, MaskCache>();
    byTrie = m;
    maskCaches.set(grammar, m);
    grammar.onReset(() => {
      for (const c of m.values()) c.clear();
    });
  }
  let c = byTrie.get(trie);
  if (!c) {
    c = new MaskCache(trie, MAX_MASK_WORDS);
    byTrie.set(trie, c);
  }
  return c;
}

export class GrammarConstraint implements StateHolder {
  private readonly automaton: GrammarAutomaton;
  private readonly trie: TokenTrie;
  private readonly cache: MaskCache;
  private state: number;
  /** Statistics: masks computed by walking the trie, and masks served from the cache. */
  walks = 0;
  cacheHits = 0;

  constructor(readonly grammar: Grammar, vocab: GrammarVocabulary) {
    this.automaton = grammar.automaton;
    this.trie = TokenTrie.for(vocab);
    if (this.trie.vocabSize !== vocab.vocabSize) throw new EdgeError("bad_argument", "grammar: vocabulary size changed");
    this.cache = maskCacheFor(grammar, this.trie);
    grammar.maybeReset();
    this.state = this.automaton.initial;
    grammar.register(this);
  }

  liveStates(): number[] {
    return [this.state];
  }

  rebase(states: number[]): void {
    this.state = states[0];
  }

  /** Start over (a new generation with the same grammar). */
  reset(): void {
    this.grammar.maybeReset();
    this.state = this.automaton.initial;
  }

  /** The grammar may end here (an end-of-generation token is allowed). */
  get canEnd(): boolean {
    return this.automaton.canEnd(this.state);
  }

  /** Nothing can follow: the output is a complete sentence and generation should stop. */
  get isComplete(): boolean {
    return this.automaton.isComplete(this.state);
  }

  /** Whether a UTF-8 character is half generated (the output must not end here). */
  get midCharacter(): boolean {
    return this.automaton.hasPartial(this.state);
  }

  /** Whether `token` may come next. Cheap (one table read per byte of the token): try this before masking. */
  allows(token: number): boolean {
    return this.after(token) !== REJECT;
  }

  /** Set the logits of every token the grammar does not allow to −∞. Returns how many tokens stay allowed. */
  applyMask(logits: Float32Array): number {
    const mask = this.mask();
    let allowed = 0;
    const V = this.trie.vocabSize;
    for (let w = 0; w < mask.length; w++) {
      const bits = mask[w];
      const base = w << 5;
      if (bits === 0xffffffff) {
        allowed += 32;
        continue;
      }
      if (bits === 0) {
        logits.fill(-Infinity, base, Math.min(base + 32, V));
        continue;
      }
      for (let b = 0; b < 32; b++) {
        if (bits & (1 << b)) allowed++;
        else if (base + b < V) logits[base + b] = -Infinity;
      }
    }
    if (logits.length > V) logits.fill(-Infinity, V); // padding rows of the output matrix have no token
    return Math.min(allowed, V);
  }

  /** Advance past `token` (which must be allowed). */
  accept(token: number): void {
    const next = this.after(token);
    if (next === REJECT) {
      throw new EdgeError("grammar_rejected_token", `grammar: token ${token} does not continue the grammar here`);
    }
    this.state = next;
    this.grammar.maybeReset();
  }

  /** The allowed-token bitset of the current state (computed once per state). */
  mask(): Uint32Array {
    const cached = this.cache.get(this.state);
    if (cached) {
      this.cacheHits++;
      return cached;
    }
    this.walks++;
    const mask = this.computeMask(this.state);
    this.cache.put(this.state, mask);
    return mask;
  }

  private after(token: number): number {
    const a = this.automaton;
    const trie = this.trie;
    if (!(token >= 0 && token < trie.vocabSize)) return REJECT;
    // an end-of-generation token adds no text: allowed where the grammar may end, and the state stays
    if (trie.isEog[token]) return a.canEnd(this.state) ? this.state : REJECT;
    const piece = trie.piece(token);
    let s = piece.length ? this.state : REJECT;
    for (let i = 0; i < piece.length && s !== REJECT; i++) s = a.next(s, piece[i]);
    if (s !== REJECT && a.hasPartial(s)) return s;
    // a token element (`<[id]>`, `!<[id]>`) may match it too, control tokens included
    const viaToken = a.tokenTops(this.state).length ? a.acceptTokenElement(this.state, token) : REJECT;
    return a.union(s, viaToken);
  }

  private computeMask(state: number): Uint32Array {
    const a = this.automaton;
    const t = this.trie;
    const mask = new Uint32Array((t.vocabSize + 31) >>> 5);
    const { byte, depth, skip, tokenStart, tokens } = t;
    const stateAt = this.cache.stateAt;
    stateAt[0] = state;
    let trans = a.trans;
    const N = byte.length;
    for (let i = 0; i < N; ) {
      const from = stateAt[depth[i] - 1];
      let s = trans[from * 256 + byte[i]];
      if (s === UNKNOWN) {
        s = a.next(from, byte[i]);
        trans = a.trans; // the table may have grown
      }
      if (s < 0) {
        i = skip[i];
        continue;
      }
      stateAt[depth[i]] = s;
      for (let k = tokenStart[i]; k < tokenStart[i + 1]; k++) {
        const id = tokens[k];
        mask[id >>> 5] |= 1 << (id & 31);
      }
      i++;
    }
    if (a.canEnd(state)) for (const id of t.eog) mask[id >>> 5] |= 1 << (id & 31);
    // token elements: `<[v]>` allows v, `!<[v]>` every token but v (control tokens included, never EOG)
    for (const p of a.tokenTops(state)) {
      const v = a.g.value[p];
      if (a.g.type[p] === El.TOKEN) {
        if (v < t.vocabSize && !t.isEog[v]) mask[v >>> 5] |= 1 << (v & 31);
      } else {
        for (let id = 0; id < t.vocabSize; id++) if (id !== v && !t.isEog[id]) mask[id >>> 5] |= 1 << (id & 31);
      }
    }
    return mask;
  }
}
