// Recently used grammars by their GBNF text, so that repeated requests with the same schema or grammar reuse one
// Grammar object — its automaton and token masks, the expensive part, are per object.
import { Grammar } from "./grammar.js";

const cache = new Map<string, Grammar>();
const SIZE = 32;

/** Compile GBNF text, or return the Grammar compiled from the same text lately (least recently used dropped). */
export function cachedGrammar(gbnf: string): Grammar {
  const hit = cache.get(gbnf);
  if (hit) {
    cache.delete(gbnf);
    cache.set(gbnf, hit);
    return hit;
  }
  const g = Grammar.fromGbnf(gbnf);
  cache.set(gbnf, g);
  if (cache.size > SIZE) cache.delete(cache.keys().next().value as string);
  return g;
}
