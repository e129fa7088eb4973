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

/** The tokens allowed in one state: a bitset, their count, and (when few) their ids. */
export interface TokenMask {
  readonly bits: Uint32Array;
  readonly count: number;
  /** The allowed ids when they are at most 1/16 of the vocabulary (masking then writes the whole row at once). */
  readonly list?: Int32Array;
}

/** Token masks of one (grammar, vocabulary) pair, per automaton state. */
class MaskCache {
  readonly masks = new Map<number, TokenMask>();
  private words = 0;
  /** Walk scratch: the state at each trie depth. */
  readonly stateAt: Int32Array;

  constructor(readonly trie: TokenTrie, private readonly maxWords: number) {
    this.stateAt = new Int32Array(trie.maxDepth + 1);
  }

  get(state: number): TokenMask | undefined {
    return this.masks.get(state);
  }

  put(state: number, mask: TokenMask): void {
    const words = mask.bits.length + (mask.list?.length ?? 0);
    if (this.words + words > this.maxWords) this.clear();
    this.masks.set(state, mask);
    this.words += words;
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
  /** Scratch for applyMask's sparse path (one logit per allowed token at most 1/16 of the vocabulary). */
  private readonly keep: Float32Array;

  constructor(readonly grammar: Grammar, vocab: GrammarVocabulary) {
    this.automaton = grammar.automaton;
    this.trie = TokenTrie.for(vocab);
    if (this.trie.vocabSize !== vocab.vocabSize) throw new EdgeError("bad_argument", "grammar: vocabulary size changed");
    this.cache = maskCacheFor(grammar, this.trie);
    this.keep = new Float32Array((this.trie.vocabSize >>> 4) + 1);
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
    return this.afterMemo(token) !== REJECT;
  }

  /** Set the logits of every token the grammar does not allow to −∞. Returns how many tokens stay allowed. */
  applyMask(logits: Float32Array): number {
    const { bits, count, list } = this.mask();
    const V = this.trie.vocabSize;
    if (list) {
      // few allowed tokens: keep their logits, fill the row, put them back
      const keep = this.keep;
      for (let i = 0; i < list.length; i++) keep[i] = logits[list[i]];
      logits.fill(-Infinity);
      for (let i = 0; i < list.length; i++) logits[list[i]] = keep[i];
      return count;
    }
    for (let w = 0; w < bits.length; w++) {
      let off = ~bits[w]; // the rejected tokens of this word
      if (off === 0) continue;
      const base = w << 5;
      while (off !== 0) {
        const b = 31 - Math.clz32(off & -off);
        if (base + b < V) logits[base + b] = -Infinity;
        off &= off - 1;
      }
    }
    if (logits.length > V) logits.fill(-Infinity, V); // padding rows of the output matrix have no token
    return count;
  }

  /** Advance past `token` (which must be allowed). */
  accept(token: number): void {
    const next = this.afterMemo(token);
    if (next === REJECT) {
      throw new EdgeError("grammar_rejected_token", `grammar: token ${token} does not continue the grammar here`);
    }
    this.state = next;
    this.grammar.maybeReset();
  }

  /** The allowed tokens of the current state (computed once per state). */
  mask(): TokenMask {
    const cached = this.cache.get(this.state);
    if (cached) {
      this.cacheHits++;
      this.grammar.stats.maskHits++;
      return cached;
    }
    this.walks++;
    this.grammar.stats.maskWalks++;
    const mask = this.computeMask(this.state);
    this.cache.put(this.state, mask);
    return mask;
  }

  /** after(), remembering the last answer: the sampler asks allows(t) and then accept(t) for the same t. */
  private afterMemo(token: number): number {
    if (token === this.memoToken && this.state === this.memoFrom && this.automaton.epoch === this.memoEpoch) return this.memoState;
    const s = this.after(token);
    this.memoToken = token;
    this.memoFrom = this.state;
    this.memoEpoch = this.automaton.epoch;
    this.memoState = s;
    return s;
  }
  private memoToken = -1;
  private memoFrom = -1;
  private memoEpoch = -1;
  private memoState = REJECT;

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
    const viaToken = a.hasTokenTop(this.state) ? a.acceptTokenElement(this.state, token) : REJECT;
    return a.union(s, viaToken);
  }

  private computeMask(state: number): TokenMask {
    const a = this.automaton;
    const t = this.trie;
    const mask = new Uint32Array((t.vocabSize + 32) >>> 5); // one spare bit: id vocabSize marks "no token here"
    const { edge, skip, token, more } = t;
    const stateAt = this.cache.stateAt;
    stateAt[0] = state;
    let trans = a.trans;
    const N = edge.length;
    for (let i = 0; i < N; ) {
      const e = edge[i];
      const d = e >>> 8;
      const from = stateAt[d - 1];
      let s = trans[(from << 8) | (e & 255)];
      if (s === UNKNOWN) {
        s = a.next(from, e & 255);
        trans = a.trans; // the table may have grown
      }
      if (s < 0) {
        i = skip[i];
        continue;
      }
      stateAt[d] = s;
      const id = token[i];
      if (id >= 0) mask[id >>> 5] |= 1 << (id & 31);
      else for (let k = -2 - id; more[k] >= 0; k++) mask[more[k] >>> 5] |= 1 << (more[k] & 31);
      i++;
    }
    mask[t.vocabSize >>> 5] &= ~(1 << (t.vocabSize & 31)); // the spare bit
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
    return summarize(mask, t.vocabSize);
  }
}

/** Count the allowed tokens; list them when they are few. */
function summarize(bits: Uint32Array, vocabSize: number): TokenMask {
  let count = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w];
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    count += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  if (count > vocabSize >>> 4) return { bits, count };
  const list = new Int32Array(count);
  let n = 0;
  for (let w = 0; w < bits.length; w++) {
    let on = bits[w];
    while (on !== 0) {
      list[n++] = (w << 5) + 31 - Math.clz32(on & -on);
      on &= on - 1;
    }
  }
  return { bits, count, list };
}
