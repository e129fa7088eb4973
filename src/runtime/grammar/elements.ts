// The parsed form of a grammar: rules as flat element lists, the same shape llama.cpp's grammar engine uses, so that
// a rule reads as `alt₁ ALT alt₂ … END` and every alternative is a sequence of terminals and rule references.

export const enum El {
  /** End of a rule definition. */
  END = 0,
  /** Start of another alternative of the same rule. */
  ALT = 1,
  /** Non-terminal: value is the rule id. */
  RULE_REF = 2,
  /** Terminal character class start, positive: value is a code point (followed by CHAR_ALT / CHAR_RNG_UPPER). */
  CHAR = 3,
  /** Terminal character class start, negated ([^…]). */
  CHAR_NOT = 4,
  /** Upper bound of a range whose lower bound is the previous element. */
  CHAR_RNG_UPPER = 5,
  /** Another character (or range start) of the same class. */
  CHAR_ALT = 6,
  /** `.`: any code point. */
  CHAR_ANY = 7,
  /** One vocabulary token, by id (`<[id]>` or `<text>`). */
  TOKEN = 8,
  /** Any token except this id (`!<[id]>`). */
  TOKEN_NOT = 9,
}

/** A grammar as rules of (type, value) pairs. Rule ids index `rules` and `names`. */
export interface GrammarRules {
  /** rules[id] = [type0, value0, type1, value1, …, END, 0]. */
  rules: Int32Array[];
  /** Rule names; helper rules made for groups and repetitions are named `<rule>_<id>` as llama.cpp names them. */
  names: string[];
  /** Id of the start rule. */
  root: number;
}

export function isEndOfSequence(type: number): boolean {
  return type === El.END || type === El.ALT;
}

export function isCharStart(type: number): boolean {
  return type === El.CHAR || type === El.CHAR_NOT || type === El.CHAR_ANY;
}
