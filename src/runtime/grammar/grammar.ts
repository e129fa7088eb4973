// A grammar ready for use: parsed, checked, compiled, with its automaton (shared by every generation that uses the
// grammar, so states and token masks computed for one request serve the next).
import { CompiledGrammar } from "./compiled.js";
import { GrammarAutomaton, REJECT, type AutomatonLimits } from "./automaton.js";
import { parseGbnf, type GbnfParseOptions } from "./gbnf-parser.js";

/** Something that holds automaton states and can re-create them after the automaton's caches are rebuilt. */
export interface StateHolder {
  /** Called before the rebuild: return the states to keep. */
  liveStates(): number[];
  /** Called after: the same states, renumbered. */
  rebase(states: number[]): void;
}

export class Grammar {
  readonly compiled: CompiledGrammar;
  readonly automaton: GrammarAutomaton;
  private readonly holders = new Set<WeakRef<StateHolder>>();
  /** Statistics over every generation with this grammar: token masks computed by walking the vocabulary, and masks served from the cache. */
  readonly stats = { maskWalks: 0, maskHits: 0 };
  private readonly resetHooks: (() => void)[] = [];

  private constructor(readonly source: string, compiled: CompiledGrammar, limits?: AutomatonLimits) {
    this.compiled = compiled;
    this.automaton = new GrammarAutomaton(compiled, limits);
  }

  /** Parse GBNF text (llama.cpp's dialect); throws a typed one-line error naming line and column. */
  static fromGbnf(text: string, options: GbnfParseOptions & { limits?: AutomatonLimits } = {}): Grammar {
    return new Grammar(text, new CompiledGrammar(parseGbnf(text, options)), options.limits);
  }

  /** Whether `text` as a whole is a sentence of the grammar. */
  accepts(text: string): boolean {
    const s = this.run(text);
    return s !== REJECT && this.automaton.canEnd(s);
  }

  /** Whether `text` can be continued into a sentence of the grammar (every prefix of a sentence is). */
  acceptsPrefix(text: string): boolean {
    return this.run(text) !== REJECT;
  }

  /** Whether these bytes can be continued into a sentence (valid UTF-8 so far, inside the grammar). */
  acceptsPrefixBytes(bytes: Uint8Array): boolean {
    return this.runBytes(bytes) !== REJECT;
  }

  /** The state after the UTF-8 bytes of `text` from the start (REJECT if they leave the grammar). */
  private run(text: string): number {
    const wellFormed = toWellFormed(text);
    if (wellFormed !== text) return REJECT; // lone surrogates are not text
    return this.runBytes(new TextEncoder().encode(text));
  }

  private runBytes(bytes: Uint8Array): number {
    const a = this.automaton;
    const holder = { state: 0, liveStates: () => [holder.state], rebase: (s: number[]) => void (holder.state = s[0]) };
    this.register(holder);
    try {
      this.maybeReset();
      holder.state = a.initial;
      for (let i = 0; i < bytes.length && holder.state !== REJECT; i++) {
        holder.state = a.next(holder.state, bytes[i]);
        if ((i & 1023) === 1023 && holder.state !== REJECT) this.maybeReset(); // long texts: keep the caches bounded
      }
      return holder.state;
    } finally {
      this.unregister(holder);
    }
  }

  // ---- cache lifetime ----

  /** Register a holder of states (a generation in progress); held weakly. */
  register(holder: StateHolder): void {
    this.holders.add(new WeakRef(holder));
  }

  unregister(holder: StateHolder): void {
    for (const ref of this.holders) if (ref.deref() === holder || ref.deref() === undefined) this.holders.delete(ref);
  }

  /** Called when the automaton's caches are rebuilt (token-mask caches keyed by state drop themselves). */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  /** Between steps: when the automaton has grown past its limits, rebuild it around the states still in use. */
  maybeReset(): void {
    const a = this.automaton;
    if (!a.overLimit) return;
    const kept: [StateHolder, { stacks: number[][]; partial: number }[]][] = [];
    for (const ref of this.holders) {
      const h = ref.deref();
      if (!h) {
        this.holders.delete(ref);
        continue;
      }
      kept.push([h, h.liveStates().map((s) => a.stacksOf(s))]);
    }
    a.reset();
    for (const hook of this.resetHooks) hook();
    for (const [h, snaps] of kept) h.rebase(snaps.map((snap) => a.stateFromStacks(snap)));
  }
}

function toWellFormed(s: string): string {
  const f = (s as { toWellFormed?: () => string }).toWellFormed;
  return f ? f.call(s) : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
