import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { citedNumbers, extractiveAlternative, extractiveGbnf, freeGbnf } from "./answer-grammar.js";

describe("rag answer grammars", () => {
  it("extractive: exactly the offered quotes with their own citation, nothing else", () => {
    const alts = [extractiveAlternative('The pump "P-7" runs at 40 psi.', 2), extractiveAlternative("Die Pumpe läuft — 😀 \\ ok.", 1)];
    const g = Grammar.fromGbnf(extractiveGbnf(alts));
    for (const a of alts) assert.ok(g.accepts(a), a);
    assert.ok(!g.accepts('The pump "P-7" runs at 40 psi. [1]'), "a quote with another passage's number");
    assert.ok(!g.accepts('The pump "P-7" runs at 40 psi.'), "a quote without its citation");
    assert.ok(!g.accepts('The pump "P-7" runs at 40 psi. [2] [3]'));
  });

  it("free: any text, but every bracket is a citation of 1..k and the answer ends with one", () => {
    const g = Grammar.fromGbnf(freeGbnf(3));
    for (const ok of ["It runs at 40 psi [2].", "Yes [1][3] and no [2]", "a [3]"]) assert.ok(g.accepts(ok), ok);
    for (const bad of ["It runs at 40 psi.", "It runs [4].", "It runs [0].", "see [12]", "x [1] [", "[1]", "a [1]\nb [2]", "a [ 1]"]) {
      assert.ok(!g.accepts(bad), bad);
    }
  });

  it("free: whatever the model writes, a sentence of the grammar cites only passages 1..k (fast-check)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 3 }), (k, text, ns) => {
        const answer = `${text} ${ns.map((n) => `[${n}]`).join("")}`;
        const g = Grammar.fromGbnf(freeGbnf(k));
        if (g.accepts(answer)) assert.ok(citedNumbers(answer).every((n) => n >= 1 && n <= k), answer);
        if (!/[[\]\x00-\x1f\x7f]/.test(text) && text !== "" && ns.every((n) => n >= 1 && n <= k)) assert.ok(g.accepts(answer), answer);
      }),
      { numRuns: 200 },
    );
  });

  it("citedNumbers: each passage once, in order of first citation", () => {
    assert.deepEqual(citedNumbers("a [2] b [1][2] c [3]."), [2, 1, 3]);
  });
});
