import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ACCEPTANCE, MALFORMED } from "../../../test/helpers/grammar-cases.js";
import { Grammar } from "./grammar.js";
import { errorOf } from "../../../test/helpers/errors.js";


describe("GBNF acceptance suite", () => {
  for (const c of ACCEPTANCE) {
    it(c.name, () => {
      const g = Grammar.fromGbnf(c.grammar);
      for (const s of c.pass) assert.ok(g.accepts(s), `should accept ${JSON.stringify(s)}`);
      for (const s of c.fail) assert.ok(!g.accepts(s), `should reject ${JSON.stringify(s)}`);
      // every prefix of a sentence is a valid prefix
      for (const s of c.pass) for (const cut of [...Array(s.length).keys()]) assert.ok(g.acceptsPrefix(s.slice(0, cut)) || /[\ud800-\udbff]$/.test(s.slice(0, cut)));
    });
  }

  it("start rule other than root", () => {
    const g = Grammar.fromGbnf(`start ::= "s"\nroot ::= "r"`, { root: "start" });
    assert.ok(g.accepts("s"));
    assert.ok(!g.accepts("r"));
  });

  it("strings with lone surrogates are never sentences", () => {
    assert.ok(!Grammar.fromGbnf("root ::= .*").accepts("a\ud800b"));
  });
});

describe("malformed grammars", () => {
  for (const m of MALFORMED) {
    it(`${m.name}: ${m.code}`, () => {
      const e = errorOf(() => Grammar.fromGbnf(m.grammar));
      assert.equal(e.code, m.code, e.message);
      assert.ok(!e.message.includes("\n"), "one line");
    });
  }

  it("errors name line and column", () => {
    assert.match(errorOf(() => Grammar.fromGbnf(`root ::= a\n\na ::= "x" b`)).message, /line 3, column 11: undefined rule 'b'/);
    assert.match(errorOf(() => Grammar.fromGbnf(`root ::= "a"\nx ::= [bc`)).message, /line 2, column 7: unbalanced '\['/);
    assert.match(errorOf(() => Grammar.fromGbnf(`root ::= "ok"\nitem ::= "\\z"`)).message, /line 2, column 11: unknown escape \\z/);
    assert.match(errorOf(() => Grammar.fromGbnf(`root ::= x\nx ::= y "1"\ny ::= x | "2"`)).message, /line 2, column 1: left recursion: rule 'x'.*x → y → x/);
    assert.match(errorOf(() => Grammar.fromGbnf(`root ::= "বাং" [z-a]`)).message, /line 1, column 17: empty character range/);
  });

  it("stricter than llama.cpp where its grammar could only be a mistake", () => {
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= []`)).code, "grammar_syntax");
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= "a"\nroot ::= "b"`)).code, "grammar_syntax");
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= x\nx ::= "a" x`)).code, "grammar_empty");
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= "a"{3,2}`)).code, "grammar_syntax");
  });

  it("left recursion llama.cpp misses (through a rule that is empty only indirectly) is refused", () => {
    const e = errorOf(() => Grammar.fromGbnf(`root ::= a root "x" | "y"\na ::= b\nb ::= ""`));
    assert.equal(e.code, "grammar_left_recursion");
  });

  it("a repeated group whose body may be empty is fine (as in llama.cpp)", () => {
    const g = Grammar.fromGbnf(`root ::= ("a" | b)* "."\nb ::= ""`);
    assert.ok(g.accepts("aa."));
    assert.ok(g.accepts("."));
  });

  it("as llama.cpp, an upper repetition bound above 2000 means no bound", () => {
    const g = Grammar.fromGbnf(`root ::= "a"{2,5000}`);
    assert.ok(g.accepts("a".repeat(6000)));
    assert.ok(!g.accepts("a"));
  });
});

describe("hostile grammars end in a clear error or in bounded time and memory", () => {
  it("deep nesting", () => {
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= ${"(".repeat(100_000)}"a"${")".repeat(100_000)}`)).code, "grammar_limit_exceeded");
  });

  it("huge and nested repetition counts", () => {
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= "a"{99999999999999999999}`)).code, "grammar_limit_exceeded");
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= ("x"{0,1000}){0,1000}`)).code, "grammar_limit_exceeded");
    // exact counts stay compact (rules reference rules), so a million-character sentence is fine
    const million = Grammar.fromGbnf(`root ::= (("a"{100}){100}){100}`);
    assert.ok(million.accepts("a".repeat(1_000_000)));
    assert.ok(!million.accepts("a".repeat(999_999)));
    assert.equal(errorOf(() => Grammar.fromGbnf(`root ::= "${"x".repeat(100_000)}"{2000}`)).code, "grammar_limit_exceeded");
  });

  it("1 MB of alternatives parses and matches", { timeout: 60_000 }, () => {
    const words = Array.from({ length: 120_000 }, (_, i) => `"w${i.toString(36)}"`);
    const text = `root ::= ${words.join(" | ")}`;
    assert.ok(text.length > 1_000_000);
    const g = Grammar.fromGbnf(text);
    assert.ok(g.accepts("w" + (119_999).toString(36)));
    assert.ok(!g.accepts("wzzzzz"));
  });

  it("a grammar whose parses multiply stops with grammar_too_complex", () => {
    const g = Grammar.fromGbnf(`root ::= x\nx ::= "a" x "b" | "a" x "c" | ""`, { limits: { maxStates: 1 << 13, maxStacksPerSet: 4096, maxNodes: 1 << 18 } });
    assert.equal(errorOf(() => g.accepts("a".repeat(64))).code, "grammar_too_complex");
    assert.ok(g.accepts("aabc"));
  });
});
