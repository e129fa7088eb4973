import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grammarFromJsonSchema } from "./json-schema.js";

/** Every string over `alphabet` of length up to `n`. */
function strings(alphabet: string[], n: number): string[] {
  let level = [""];
  const all = [""];
  for (let k = 0; k < n; k++) {
    level = level.flatMap((s) => alphabet.map((c) => s + c));
    all.push(...level);
  }
  return all;
}

const ALPHABET = ["a", "b", "-", "1", '"', "\\", "\n", "\t", "é", "😀", " ", "."];
const SMALL = strings(ALPHABET, 3);

/**
 * Anchored patterns: the grammar must accept JSON.stringify(s) exactly when the pattern (with the `u` flag, as ajv
 * runs it) matches s, for every short string over an alphabet of plain, escaped and multi-byte characters.
 */
const EXACT = [
  "^$", "^abc$", "^a?b*$", "^a+$", "^(ab|ba)+$", "^a{2}$", "^a{1,2}b{0,}$", "^(?:a|b){2,3}$", "^(?<x>a)b$", "^.$", "^..?$",
  "^[ab]+$", "^[^ab]$", "^[a-z\\d]+$", "^\\d+$", "^\\D$", "^\\w*$", "^\\W$", "^\\s$", "^\\S\\S$", '^"$', '^[^"]$', "^\\\\$",
  "^[\\\\\"]$", "^\\n\\t$", "^[\\n-]$", "^\\.\\?\\/$", "^[.]$", "^\\x61\\u0062$", "^\\u{1F600}$", "^\\uD83D\\uDE00$", "^é+$",
  "^(a|)b$", "^()$", "^a*?b+?$", "^[\\s\\S]$", "^[-a]$", "^[a-]$", "^\\t$", "^((a)|(b(a)))?$", "^[😀-😀é]$",
];

/** Unanchored sides: the strings must contain a match there (llama.cpp would take any string). */
const SEARCH = ["a", "ab", "^a", "b$", "a.b", "[0-9]+"];

describe("pattern → GBNF", () => {
  for (const p of EXACT) {
    it(`${JSON.stringify(p)} matches exactly what RegExp matches`, () => {
      const g = grammarFromJsonSchema({ type: "string", pattern: p });
      const re = new RegExp(p, "u");
      for (const s of SMALL) assert.equal(g.accepts(JSON.stringify(s)), re.test(s), `pattern ${p}, string ${JSON.stringify(s)}`);
    });
  }

  for (const p of SEARCH) {
    it(`${JSON.stringify(p)}: a search, as the pattern means`, () => {
      const g = grammarFromJsonSchema({ type: "string", pattern: p });
      const re = new RegExp(p, "u");
      for (const s of SMALL) assert.equal(g.accepts(JSON.stringify(s)), re.test(s), `pattern ${p}, string ${JSON.stringify(s)}`);
    });
  }

  it("^a|b$ is read as llama.cpp reads it, (a|b) anchored at both ends: a subset of what it matches", () => {
    const g = grammarFromJsonSchema({ type: "string", pattern: "^a|b$" });
    const re = /^a|b$/u;
    const accepted = SMALL.filter((s) => g.accepts(JSON.stringify(s)));
    assert.deepEqual(accepted, ["a", "b"]);
    for (const s of accepted) assert.ok(re.test(s));
  });

  it("text JSON.stringify would not write: only the canonical escapes are accepted", () => {
    const g = grammarFromJsonSchema({ type: "string", pattern: "^a.$" });
    assert.ok(g.accepts('"a\\""') && g.accepts('"a\\\\"') && g.accepts('"a\\t"'));
    assert.ok(!g.accepts('"a""'), "a raw quote ends the string");
    assert.ok(!g.accepts('"a\\"'), "a raw backslash starts an escape");
    assert.ok(!g.accepts('"a\\n"'), "the dot does not match a newline");
    assert.ok(!g.accepts('"a\u0001"'), "raw control characters are not JSON");
    assert.ok(!g.accepts('"a\u2028"'), "the dot does not match U+2028");
  });

  it("large counts are exact", () => {
    const g = grammarFromJsonSchema({ type: "string", pattern: "^(ab){2999}c{0,2100}$" });
    assert.ok(g.accepts(JSON.stringify("ab".repeat(2999))));
    assert.ok(g.accepts(JSON.stringify("ab".repeat(2999) + "c".repeat(2100))));
    assert.ok(!g.accepts(JSON.stringify("ab".repeat(2998))));
    assert.ok(!g.accepts(JSON.stringify("ab".repeat(2999) + "c".repeat(2101))));
  });
});
