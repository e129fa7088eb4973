// The grammar recognizer as a lazily built byte automaton.
//
// A parse position is a pushdown stack of grammar positions, as in llama.cpp: the top is the terminal to match
// next, the rest says where to continue afterwards. Stacks are immutable linked lists, interned so that equal stacks
// are one id (node 0 is the empty stack: the grammar is complete). A *stack set* (all parses alive after some text)
// is interned too, and so is a *state*: a stack set plus the bytes of a UTF-8 character read so far. Transitions
// state × byte → state are computed once and kept in one table, so matching a token's bytes against a state seen
// before costs one array read per byte. UTF-8 is validated on the way (no overlong forms, surrogates, or bytes
// beyond U+10FFFF), and a partial character is kept only while some completion of it can still match.
import { EdgeError } from "../../errors.js";
import type { CompiledGrammar } from "./compiled.js";
import { El } from "./elements.js";

export const UNKNOWN = -2;
export const REJECT = -1;
/**
 * A state's partial-character code: bits 0–1 continuation bytes still to come, 2–4 the character's length, bit 5
 * CANONICAL (the outcome is known, see partialState), bits 6+ the code point bits read so far. 0 = no partial.
 */
const CANONICAL = 1 << 5;

/** Bounds on what one automaton may hold; past the soft limit the caches are rebuilt around the live states. */
export interface AutomatonLimits {
  /** Most states (each holds a 256-entry transition row). */
  maxStates: number;
  /** Most parses alive at once (ambiguous grammars multiply them). */
  maxStacksPerSet: number;
  /** Most interned stack nodes. */
  maxNodes: number;
}

// 8192 states keep the transition table at 8 MiB (16 MiB at the hard limit, twice the soft one).
export const DEFAULT_LIMITS: AutomatonLimits = { maxStates: 1 << 13, maxStacksPerSet: 1 << 17, maxNodes: 1 << 18 };

export class GrammarAutomaton {
  // stack nodes: (position, parent)
  private nodePos = new Int32Array(1024);
  private nodeParent = new Int32Array(1024);
  private nodeCount = 1; // node 0 = the empty stack
  private nodeTable = new Int32Array(1 << 12); // open addressing: node ids by (position, parent); 0 = free
  private expansion: (Int32Array | undefined)[] = [];
  // stack sets
  private setNodes: Int32Array[] = [];
  private setIds = new Map<string, number>();
  /** Per stack set: whether some parse has a token element (`<[id]>`) on top. */
  private setTokenTop: number[] = [];
  // states: (stack set, partial UTF-8)
  private stateSet = new Int32Array(256);
  private statePartial = new Int32Array(256);
  private stateCount = 0;
  private stateIds = new Map<number, number>();
  /** trans[state * 256 + byte]: next state, REJECT, or UNKNOWN. */
  trans = new Int32Array(256 * 256).fill(UNKNOWN);
  /** Bumped whenever the caches are rebuilt: state ids from an older epoch are void. */
  epoch = 0;
  private initialId = -1;
  private initialEpoch = -1;
  private mark = new Int32Array(1024);
  private markGen = 0;
  private scratch = new Int32Array(1024);

  constructor(readonly g: CompiledGrammar, readonly limits: AutomatonLimits = DEFAULT_LIMITS) {}

  /** The state before any text. */
  get initial(): number {
    if (this.initialEpoch !== this.epoch) {
      this.initialId = this.initialState();
      this.initialEpoch = this.epoch;
    }
    return this.initialId;
  }

  get states(): number {
    return this.stateCount;
  }

  // ---------------------------------------------------------------- states

  /** State after `byte` from `state` (REJECT if no parse survives). */
  next(state: number, byte: number): number {
    const t = this.trans[state * 256 + byte];
    return t !== UNKNOWN ? t : this.computeTransition(state, byte);
  }

  /** The grammar may end here: a parse is complete and no UTF-8 character is pending. */
  canEnd(state: number): boolean {
    return this.statePartial[state] === 0 && this.setNodes[this.stateSet[state]][0] === 0;
  }

  /** Only the complete parse is left: nothing can follow. */
  isComplete(state: number): boolean {
    const nodes = this.setNodes[this.stateSet[state]];
    return this.statePartial[state] === 0 && nodes.length === 1 && nodes[0] === 0;
  }

  /** Whether a UTF-8 character is half read. */
  hasPartial(state: number): boolean {
    return this.statePartial[state] !== 0;
  }

  /** Whether some parse alive in `state` has a token element next (cheap). */
  hasTokenTop(state: number): boolean {
    return this.statePartial[state] === 0 && this.setTokenTop[this.stateSet[state]] === 1;
  }

  /** Parses alive in `state` whose next element is a token (`<[id]>` / `!<[id]>`): [position, …]. */
  tokenTops(state: number): number[] {
    const out: number[] = [];
    if (this.statePartial[state] !== 0 || !this.setTokenTop[this.stateSet[state]]) return out;
    const g = this.g;
    for (const n of this.setNodes[this.stateSet[state]]) {
      if (n === 0) continue;
      const t = g.type[this.nodePos[n]];
      if (t === El.TOKEN || t === El.TOKEN_NOT) out.push(this.nodePos[n]);
    }
    return out;
  }

  /** State after a whole token matched by a token element (ids as `tokenTops` reports), or REJECT. */
  acceptTokenElement(state: number, tokenId: number): number {
    if (this.statePartial[state] !== 0) return REJECT;
    const g = this.g;
    const gen = this.beginMark();
    let n = 0;
    for (const node of this.setNodes[this.stateSet[state]]) {
      if (node === 0) continue;
      const p = this.nodePos[node];
      const t = g.type[p];
      const hit = (t === El.TOKEN && g.value[p] === tokenId) || (t === El.TOKEN_NOT && g.value[p] !== tokenId);
      if (hit) n = this.collect(this.pop(node, g.termEnd[p]), gen, n);
    }
    return n === 0 ? REJECT : this.stateFor(this.internSet(n), 0);
  }

  /** Union of the parses of two states without partial characters (a token matched both as text and as a token). */
  union(a: number, b: number): number {
    if (a === REJECT) return b;
    if (b === REJECT || a === b) return a;
    const gen = this.beginMark();
    let n = this.collectList(this.setNodes[this.stateSet[a]], gen, 0);
    n = this.collectList(this.setNodes[this.stateSet[b]], gen, n);
    return this.stateFor(this.internSet(n), this.statePartial[a]);
  }

  /** The stacks of a state as position lists (bottom first), e.g. to rebuild a state after the caches reset. */
  stacksOf(state: number): { stacks: number[][]; partial: number } {
    const stacks: number[][] = [];
    for (const node of this.setNodes[this.stateSet[state]]) {
      const s: number[] = [];
      for (let n = node; n !== 0; n = this.nodeParent[n]) s.push(this.nodePos[n]);
      stacks.push(s.reverse());
    }
    return { stacks, partial: this.statePartial[state] };
  }

  /** Rebuild a state from `stacksOf` output (after `reset`). */
  stateFromStacks(s: { stacks: number[][]; partial: number }): number {
    const gen = this.beginMark();
    let n = 0;
    for (const stack of s.stacks) {
      let node = 0;
      for (const p of stack) node = this.intern(p, node);
      n = this.collectOne(node, gen, n);
    }
    return this.stateFor(this.internSet(n), s.partial);
  }

  /** Whether the caches have grown past their soft limits (the owner should `reset` between steps). */
  get overLimit(): boolean {
    return this.stateCount > this.limits.maxStates || this.nodeCount > this.limits.maxNodes;
  }

  /** Drop every cached state; state ids of the previous epoch are void. */
  reset(): void {
    this.nodeCount = 1;
    this.nodeTable = new Int32Array(1 << 12);
    this.expansion = [];
    this.setNodes = [];
    this.setIds.clear();
    this.setTokenTop = [];
    this.stateCount = 0;
    this.stateIds.clear();
    this.trans.fill(UNKNOWN);
    this.epoch++;
  }

  // ---------------------------------------------------------------- transitions

  private computeTransition(state: number, byte: number): number {
    const set = this.stateSet[state];
    const part = this.statePartial[state];
    let result: number;
    if (part === 0) {
      if (byte < 0x80) {
        const s = this.acceptChar(set, byte);
        result = s < 0 ? REJECT : this.stateFor(s, 0);
      } else {
        // lead byte: C2–DF (2 bytes), E0–EF (3), F0–F4 (4); anything else is invalid UTF-8
        const len = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
        result = len === 0 ? REJECT : this.partialState(set, len, len - 1, byte & (0x7f >> len));
      }
    } else {
      const rem = part & 3;
      const len = (part >> 2) & 7;
      if ((byte & 0xc0) !== 0x80) result = REJECT;
      else if (part & CANONICAL) {
        // the character's outcome is already known (its stack set is this state's): only count the bytes
        result = this.stateFor(set, rem === 1 ? 0 : (rem - 1) | (len << 2) | CANONICAL);
      } else {
        const v = ((part >> 6) << 6) | (byte & 0x3f);
        if (rem === 1) {
          const ok = len === 2 ? v >= 0x80 : len === 3 ? v >= 0x800 && (v < 0xd800 || v > 0xdfff) : v >= 0x10000 && v <= 0x10ffff;
          const s = ok ? this.acceptChar(set, v) : -1;
          result = s < 0 ? REJECT : this.stateFor(s, 0);
        } else result = this.partialState(set, len, rem - 1, v);
      }
    }
    // the tables may have grown while computing: index the current one
    this.trans[state * 256 + byte] = result;
    return result;
  }

  /**
   * A state holding `rem` more continuation bytes of a `len`-byte character whose bits so far are `v`, if some
   * completion can match. When every completion is a valid code point and every class on top of the stacks matches
   * all of them or none, the outcome no longer depends on the remaining bytes: the state becomes the *canonical*
   * (result set, bytes left), so that the thousands of CJK or Bangla characters a vocabulary holds share a few states.
   */
  private partialState(set: number, len: number, rem: number, v: number): number {
    const shift = 6 * rem;
    const rawLo = v * 2 ** shift;
    const rawHi = rawLo + 2 ** shift - 1;
    const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
    const max = len === 2 ? 0x7ff : len === 3 ? 0xffff : 0x10ffff;
    const lo = Math.max(rawLo, min);
    const hi = Math.min(rawHi, max);
    if (lo > hi) return REJECT;
    const touchesSurrogates = len === 3 && lo <= 0xdfff && hi >= 0xd800;
    if (!touchesSurrogates && lo === rawLo && hi === rawHi && this.uniform(set, lo, hi)) {
      const result = this.acceptChar(set, lo);
      return result < 0 ? REJECT : this.stateFor(result, rem | (len << 2) | CANONICAL);
    }
    let possible: boolean;
    if (touchesSurrogates) {
      // leave out the surrogates
      possible = (lo < 0xd800 && this.someMatches(set, lo, 0xd7ff)) || (hi > 0xdfff && this.someMatches(set, 0xe000, hi));
    } else possible = this.someMatches(set, lo, hi);
    return possible ? this.stateFor(set, rem | (len << 2) | (v << 6)) : REJECT;
  }

  /** Every class on top of a stack of `set` matches either all of [lo, hi] or none of it. */
  private uniform(set: number, lo: number, hi: number): boolean {
    const g = this.g;
    for (const n of this.setNodes[set]) {
      if (n === 0) continue;
      const c = g.classOf[this.nodePos[n]];
      if (c >= 0 && g.matchesSome(c, lo, hi) && !g.matchesAll(c, lo, hi)) return false;
    }
    return true;
  }

  private someMatches(set: number, lo: number, hi: number): boolean {
    const g = this.g;
    for (const n of this.setNodes[set]) {
      if (n === 0) continue;
      const c = g.classOf[this.nodePos[n]];
      if (c >= 0 && g.matchesSome(c, lo, hi)) return true;
    }
    return false;
  }

  /** The stack set after code point `cp`, or -1. */
  private acceptChar(set: number, cp: number): number {
    const g = this.g;
    const gen = this.beginMark();
    let n = 0;
    for (const node of this.setNodes[set]) {
      if (node === 0) continue;
      const p = this.nodePos[node];
      const c = g.classOf[p];
      if (c >= 0 && g.matches(c, cp)) n = this.collect(this.pop(node, g.termEnd[p]), gen, n);
    }
    return n === 0 ? -1 : this.internSet(n);
  }

  /** The stack after the top of `node` matched: continue at `after`, or return to the parent at a sequence end. */
  private pop(node: number, after: number): number {
    const parent = this.nodeParent[node];
    return this.g.isEnd(after) ? parent : this.intern(after, parent);
  }

  // ---------------------------------------------------------------- expansion and interning

  /** Adds the expansion of `node` (stacks whose top is a terminal, or the empty stack) to scratch[0..n). */
  private collect(node: number, gen: number, n: number): number {
    return this.collectList(this.expand(node), gen, n);
  }

  private collectList(list: Int32Array, gen: number, n: number): number {
    for (let k = 0; k < list.length; k++) n = this.collectOne(list[k], gen, n);
    return n;
  }

  private collectOne(e: number, gen: number, n: number): number {
    if (e >= this.mark.length) this.mark = grow(this.mark, e + 1);
    if (this.mark[e] === gen) return n;
    this.mark[e] = gen;
    if (n >= this.scratch.length) this.scratch = grow(this.scratch, n + 1);
    this.scratch[n] = e;
    if (n + 1 > this.limits.maxStacksPerSet) {
      throw new EdgeError("grammar_too_complex", `the grammar keeps more than ${this.limits.maxStacksPerSet} parses alive at once (it is too ambiguous)`);
    }
    return n + 1;
  }

  /** All stacks `node` unfolds to by replacing a rule reference on top with each of its alternatives. */
  private expand(node: number): Int32Array {
    const memo = this.expansion[node];
    if (memo) return memo;
    const g = this.g;
    const out: number[] = [];
    const seen = new Set<number>();
    const todo = [node];
    while (todo.length) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (n === 0) {
        out.push(0);
        continue;
      }
      const p = this.nodePos[n];
      if (g.type[p] !== El.RULE_REF) {
        out.push(n);
        continue;
      }
      const rest = this.pop(n, p + 1);
      let alt = g.ruleStart[g.value[p]];
      for (;;) {
        todo.push(g.isEnd(alt) ? rest : this.intern(alt, rest));
        while (!g.isEnd(alt)) alt++;
        if (g.type[alt] !== El.ALT) break;
        alt++;
      }
      if (seen.size > this.limits.maxStacksPerSet) {
        throw new EdgeError("grammar_too_complex", `a rule unfolds into more than ${this.limits.maxStacksPerSet} alternatives at once`);
      }
    }
    const result = Int32Array.from(out);
    this.expansion[node] = result;
    return result;
  }

  private intern(pos: number, parent: number): number {
    let table = this.nodeTable;
    let mask = table.length - 1;
    const h = (Math.imul(pos, 0x9e3779b1) ^ Math.imul(parent + 1, 0x85ebca77)) >>> 0;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = table[i];
      if (id === 0) break;
      if (this.nodePos[id] === pos && this.nodeParent[id] === parent) return id;
    }
    const n = this.nodeCount++;
    if (n > 2 * this.limits.maxNodes) throw new EdgeError("grammar_too_complex", `the grammar needs more than ${2 * this.limits.maxNodes} parse stack entries`);
    if (n >= this.nodePos.length) {
      this.nodePos = grow(this.nodePos, n + 1);
      this.nodeParent = grow(this.nodeParent, n + 1);
    }
    this.nodePos[n] = pos;
    this.nodeParent[n] = parent;
    if (2 * n > table.length) {
      // keep the load under one half: rehash every node into a table twice the size
      table = this.nodeTable = new Int32Array(table.length * 2);
      mask = table.length - 1;
      for (let id = 1; id < n; id++) insertNode(table, mask, id, this.nodePos[id], this.nodeParent[id]);
    }
    insertNode(table, mask, n, pos, parent);
    return n;
  }

  /** Interns the set scratch[0..n) (order-independent). */
  private internSet(n: number): number {
    const nodes = this.scratch.slice(0, n).sort();
    const key = nodes.join(",");
    const id = this.setIds.get(key);
    if (id !== undefined) return id;
    const s = this.setNodes.length;
    this.setNodes.push(nodes);
    this.setIds.set(key, s);
    let tokenTop = 0;
    for (const node of nodes) {
      const t = node === 0 ? -1 : this.g.type[this.nodePos[node]];
      if (t === El.TOKEN || t === El.TOKEN_NOT) tokenTop = 1;
    }
    this.setTokenTop.push(tokenTop);
    return s;
  }

  private stateFor(set: number, partial: number): number {
    const key = set * 4194304 + partial; // partial < 2^22 (15 bits of a code point at most, shifted by 6)
    const id = this.stateIds.get(key);
    if (id !== undefined) return id;
    const s = this.stateCount++;
    if (s >= this.stateSet.length) {
      this.stateSet = grow(this.stateSet, s + 1);
      this.statePartial = grow(this.statePartial, s + 1);
    }
    if (s > 2 * this.limits.maxStates) throw new EdgeError("grammar_too_complex", `the grammar needs more than ${2 * this.limits.maxStates} automaton states`);
    if ((s + 1) * 256 > this.trans.length) {
      const t = new Int32Array(Math.max(this.trans.length * 2, (s + 1) * 256)).fill(UNKNOWN);
      t.set(this.trans);
      this.trans = t;
    }
    this.stateSet[s] = set;
    this.statePartial[s] = partial;
    this.stateIds.set(key, s);
    return s;
  }

  private initialState(): number {
    const g = this.g;
    const gen = this.beginMark();
    let n = 0;
    let alt = g.ruleStart[g.rules.root];
    for (;;) {
      n = this.collect(g.isEnd(alt) ? 0 : this.intern(alt, 0), gen, n);
      while (!g.isEnd(alt)) alt++;
      if (g.type[alt] !== El.ALT) break;
      alt++;
    }
    return this.stateFor(this.internSet(n), 0);
  }

  private beginMark(): number {
    return ++this.markGen;
  }
}

function insertNode(table: Int32Array, mask: number, id: number, pos: number, parent: number): void {
  const h = (Math.imul(pos, 0x9e3779b1) ^ Math.imul(parent + 1, 0x85ebca77)) >>> 0;
  let i = h & mask;
  while (table[i] !== 0) i = (i + 1) & mask;
  table[i] = id;
}

function grow(a: Int32Array, need: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
