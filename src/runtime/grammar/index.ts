// Structured output: GBNF grammars (llama.cpp's dialect), JSON Schema → grammar, and constrained sampling.
export { Grammar, type StateHolder } from "./grammar.js";
export { GrammarConstraint } from "./constraint.js";
export { TokenTrie, type GrammarVocabulary } from "./token-trie.js";
export { parseGbnf, type GbnfParseOptions, MAX_REPETITION } from "./gbnf-parser.js";
export { DEFAULT_LIMITS, type AutomatonLimits } from "./automaton.js";
export { jsonSchemaToGbnf, grammarFromJsonSchema, anyJsonGbnf, anyJsonObjectGbnf, JSON_VALUE_GBNF, JSON_OBJECT_GBNF, IGNORED_SCHEMA_KEYWORDS } from "./json-schema.js";
export { cachedGrammar } from "./grammar-cache.js";
