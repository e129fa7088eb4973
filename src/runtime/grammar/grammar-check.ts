// Static checks that keep the matcher finite: left recursion (a rule that can reach itself without consuming a
// character would make the stack expansion loop forever) and a start rule that can never complete.
import type { ErrorCode } from "../../errors.js";
import { El, isEndOfSequence, type GrammarRules } from "./elements.js";

export type GrammarFailure = (code: ErrorCode, message: string, ruleId?: number) => never;

export function checkGrammar(g: GrammarRules, fail: GrammarFailure): void {
  const nullable = nullableRules(g);
  checkLeftRecursion(g, nullable, fail);
  if (!productiveRules(g)[g.root]) fail("grammar_empty", `rule '${g.names[g.root]}' can never complete: the grammar matches no string`, g.root);
}

/** nullable[r]: rule r can match the empty string (fixpoint over alternatives made only of nullable references). */
export function nullableRules(g: GrammarRules): Uint8Array {
  return fixpoint(g, (type, value, known) => type === El.RULE_REF && known[value] === 1);
}

/** productive[r]: rule r matches at least one finite string. */
function productiveRules(g: GrammarRules): Uint8Array {
  return fixpoint(g, (type, value, known) => type !== El.RULE_REF || known[value] === 1);
}

/** Marks rules having an alternative whose every element satisfies `ok` given what is marked so far. */
function fixpoint(g: GrammarRules, ok: (type: number, value: number, known: Uint8Array) => boolean): Uint8Array {
  const known = new Uint8Array(g.rules.length);
  for (let changed = true; changed; ) {
    changed = false;
    for (let r = 0; r < g.rules.length; r++) {
      if (known[r]) continue;
      const rule = g.rules[r];
      let altOk = true;
      for (let k = 0; k < rule.length; k += 2) {
        const t = rule[k];
        if (isEndOfSequence(t)) {
          if (altOk) {
            known[r] = 1;
            changed = true;
            break;
          }
          altOk = true;
        } else if (altOk && !ok(t, rule[k + 1], known)) {
          altOk = false;
        }
        // skip the rest of a class: CHAR_ALT / CHAR_RNG_UPPER continue the same terminal
      }
    }
  }
  return known;
}

/**
 * Edges r → s where rule s is referenced at the left edge of an alternative of r, after elements that `skippable`
 * says may match nothing. `grows`: the reference is not the last element of its alternative, so expanding it pushes
 * a continuation and a cycle through it makes the parse stack grow without end.
 */
function leftEdges(g: GrammarRules, skippable: (rule: number) => boolean, r: number): { to: number; grows: boolean }[] {
  const out: { to: number; grows: boolean }[] = [];
  const rule = g.rules[r];
  let atLeft = true;
  for (let k = 0; k < rule.length; k += 2) {
    const t = rule[k];
    if (isEndOfSequence(t)) atLeft = true;
    else if (!atLeft) continue;
    else if (t === El.RULE_REF) {
      out.push({ to: rule[k + 1], grows: !isEndOfSequence(rule[k + 2]) });
      if (!skippable(rule[k + 1])) atLeft = false;
    } else atLeft = false;
  }
  return out;
}

/**
 * Two checks. (1) llama.cpp's: a cycle of left-edge references where only rules with a literally empty alternative
 * are skipped; llama.cpp refuses these grammars, and so does edgellm. (2) With every nullable rule skipped, a cycle
 * through a reference that is followed by more elements: expanding it would loop forever (llama.cpp misses some of
 * these, e.g. `r ::= a r "x"` with `a ::= b` and `b ::= ""`). A cycle only through tail references is harmless (it
 * returns to the same stack): `("a" | b)*` with a nullable `b` is accepted, as llama.cpp accepts it.
 */
function checkLeftRecursion(g: GrammarRules, nullable: Uint8Array, fail: GrammarFailure): void {
  const n = g.rules.length;
  const literallyEmpty = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const rule = g.rules[r];
    let atStart = true;
    for (let k = 0; k < rule.length; k += 2) {
      if (isEndOfSequence(rule[k])) {
        if (atStart) literallyEmpty[r] = 1;
        atStart = true;
      } else atStart = false;
    }
  }
  const llamaEdges = Array.from({ length: n }, (_, r) => leftEdges(g, (s) => literallyEmpty[s] === 1, r).map((e) => e.to));
  const cycle = findCycle(n, llamaEdges);
  if (cycle) report(g, cycle, fail);

  const edges = Array.from({ length: n }, (_, r) => leftEdges(g, (s) => nullable[s] === 1, r));
  const comp = components(n, edges.map((es) => es.map((e) => e.to)));
  for (let r = 0; r < n; r++) {
    for (const e of edges[r]) {
      if (e.grows && comp[e.to] === comp[r]) {
        const loop = findCycle(n, edges.map((es, q) => (comp[q] === comp[r] ? es.map((x) => x.to).filter((s) => comp[s] === comp[r]) : [])));
        report(g, loop ?? [r, r], fail);
      }
    }
  }
}

function report(g: GrammarRules, cycle: number[], fail: GrammarFailure): never {
  const names = cycle.map((id) => displayName(g.names[id]));
  const dedup = names.filter((name, k) => k === 0 || name !== names[k - 1]);
  const shown = dedup.length > 1 ? dedup : [dedup[0], dedup[0]];
  fail("grammar_left_recursion", `left recursion: rule '${shown[0]}' can reach itself without consuming input (${shown.join(" → ")})`, cycle[0]);
}

/** A cycle [a, …, a] in the graph, or undefined (iterative depth-first search). */
function findCycle(n: number, edges: number[][]): number[] | undefined {
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  for (let start = 0; start < n; start++) {
    if (state[start]) continue;
    const path: number[] = [start];
    const next: number[] = [0];
    state[start] = 1;
    while (path.length) {
      const r = path[path.length - 1];
      const i = next[next.length - 1]++;
      if (i >= edges[r].length) {
        state[r] = 2;
        path.pop();
        next.pop();
        continue;
      }
      const s = edges[r][i];
      if (state[s] === 1) return path.slice(path.indexOf(s)).concat(s);
      if (state[s] === 0) {
        state[s] = 1;
        path.push(s);
        next.push(0);
      }
    }
  }
  return undefined;
}

/** Strongly connected component id per node (Tarjan's algorithm, iterative). */
function components(n: number, edges: number[][]): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  let counter = 0;
  let nComp = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const top = work[work.length - 1];
      const v = top[0];
      if (top[1] < edges[v].length) {
        const w = edges[v][top[1]++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1][0]] = Math.min(low[work[work.length - 1][0]], low[v]);
      if (low[v] === index[v]) {
        for (;;) {
          const w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = nComp;
          if (w === v) break;
        }
        nComp++;
      }
    }
  }
  return comp;
}

function displayName(name: string): string {
  return name.split("_")[0];
}
