import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ACCEPTANCE } from "../../../test/helpers/grammar-cases.js";
import { ReferenceRecognizer } from "../../../test/helpers/grammar-reference.js";
import { EdgeError } from "../../errors.js";
import { GrammarConstraint } from "./constraint.js";
import { Grammar } from "./grammar.js";
import type { GrammarVocabulary } from "./token-trie.js";

const utf8 = new TextEncoder();

/** A vocabulary from byte strings; `eog` and `control` ids render as nothing. */
function vocabulary(pieces: Uint8Array[], eog: number[], control: number[] = []): GrammarVocabulary {
  return {
    vocabSize: pieces.length,
    tokenToPiece: (id, special = true) => (control.includes(id) && !special ? new Uint8Array(0) : pieces[id]),
    isEog: (id) => eog.includes(id),
  };
}

/**
 * Tokens that cut text at random byte boundaries, so some end inside a UTF-8 character (never right after a 4-byte
 * lead: the reference enumerates completions of at most two missing bytes).
 */
function splitPieces(texts: string[], rnd: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const t of texts) {
    const b = utf8.encode(t);
    let i = 0;
    while (i < b.length) {
      let end = Math.min(b.length, i + 1 + Math.floor(rnd() * 4));
      while (end < b.length && b[end - 1] >= 0xf0) end++;
      out.push(b.subarray(i, end));
      i = end;
    }
    if (b.length) out.push(b);
  }
  return out;
}

/** The reference mask: a token is allowed iff the output with its bytes is still a prefix (EOG: a sentence). */
function referenceMask(ref: ReferenceRecognizer, vocab: GrammarVocabulary, prefix: number[], eog: number[]): boolean[] {
  const text = [...prefix];
  return Array.from({ length: vocab.vocabSize }, (_, id) => {
    if (eog.includes(id)) {
      const bytes = Uint8Array.from(text);
      const cps = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
      try {
        return ref.run([...cps.decode(bytes)].map((c) => c.codePointAt(0)!), true);
      } catch {
        return false;
      }
    }
    const piece = vocab.tokenToPiece(id, false);
    if (piece.length === 0 || piece.includes(0)) return false;
    return ref.prefixBytes(Uint8Array.from([...text, ...piece]));
  });
}

describe("GrammarConstraint (token masks) against the reference recognizer", () => {
  it("masks equal the reference at every step of random walks, for every acceptance-suite grammar", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ACCEPTANCE.length - 1 }), fc.integer({ min: 1, max: 2 ** 30 }), (which, seed) => {
        let x = seed;
        const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
        const c = ACCEPTANCE[which];
        const grammar = Grammar.fromGbnf(c.grammar);
        const pieces = [new Uint8Array(0), ...splitPieces([...c.pass, ...c.fail, "a b", "\u00e9", "😀"], rnd), Uint8Array.of(0xff), Uint8Array.of(0x80), Uint8Array.of(0xc0, 0x80), Uint8Array.of(0xed, 0xa0), Uint8Array.of(0x41, 0)];
        const eog = [0];
        const vocab = vocabulary(pieces, eog);
        const ref = new ReferenceRecognizer(grammar.compiled.rules);
        const con = new GrammarConstraint(grammar, vocab);
        const out: number[] = [];
        for (let step = 0; step < 12; step++) {
          const expected = referenceMask(ref, vocab, out, eog);
          const logits = new Float32Array(vocab.vocabSize);
          const allowed = con.applyMask(logits);
          const got = Array.from(logits, (l) => l === 0);
          assert.deepEqual(got, expected, `${c.name} after ${JSON.stringify(Buffer.from(out).toString("latin1"))}`);
          for (let id = 0; id < vocab.vocabSize; id++) assert.equal(con.allows(id), expected[id]);
          assert.equal(allowed, expected.filter(Boolean).length);
          const choices = expected.flatMap((ok, id) => (ok ? [id] : []));
          if (choices.length === 0 || con.isComplete) break;
          const pick = choices[Math.floor(rnd() * choices.length)];
          if (pick === 0) break; // EOG: the output is a sentence
          con.accept(pick);
          out.push(...pieces[pick]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a token may end inside a character only if the character can still match", () => {
    const g = Grammar.fromGbnf(`root ::= "ক" [a-z]*`); // ক = E0 A6 95
    const vocab = vocabulary([new Uint8Array(0), Uint8Array.of(0xe0), Uint8Array.of(0xe0, 0xa6), Uint8Array.of(0xe0, 0xa7), Uint8Array.of(0xa6, 0x95), Uint8Array.of(0x95), utf8.encode("ab")], [0]);
    const c = new GrammarConstraint(g, vocab);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((id) => c.allows(id)), [true, true, false, false, false, false]);
    c.accept(1);
    assert.ok(c.midCharacter);
    assert.deepEqual([0, 4, 5, 6].map((id) => c.allows(id)), [false, true, false, false]);
    c.accept(4);
    assert.ok(!c.midCharacter && c.canEnd);
    assert.deepEqual([0, 6].map((id) => c.allows(id)), [true, true]);
  });

  it("overlong forms, surrogates and bytes past U+10FFFF are never allowed, even by `.`", () => {
    const g = Grammar.fromGbnf(`root ::= .*`);
    const bad = [[0xc0, 0x80], [0xe0, 0x80], [0xed, 0xa0], [0xf4, 0x90], [0xf5], [0xff], [0x80]];
    const vocab = vocabulary([new Uint8Array(0), ...bad.map((b) => Uint8Array.from(b)), Uint8Array.of(0xe0, 0xa0), Uint8Array.of(0xf4, 0x8f)], [0]);
    const c = new GrammarConstraint(g, vocab);
    assert.deepEqual(Array.from({ length: vocab.vocabSize }, (_, id) => c.allows(id)), [true, ...bad.map(() => false), true, true]);
  });

  it("end of generation only where the grammar may end; control tokens only through token elements", () => {
    const vocab = vocabulary([new Uint8Array(0), utf8.encode("<think>"), utf8.encode("a"), utf8.encode("</think>")], [0], [1, 3]);
    const text = new GrammarConstraint(Grammar.fromGbnf(`root ::= "a"+`), vocab);
    assert.deepEqual([0, 1, 2].map((id) => text.allows(id)), [false, false, true]);
    text.accept(2);
    assert.ok(text.allows(0));
    const tokens = new GrammarConstraint(Grammar.fromGbnf(`root ::= <[1]> "a"* !<[1]>`), vocab);
    assert.deepEqual([0, 1, 2, 3].map((id) => tokens.allows(id)), [false, true, false, false]);
    tokens.accept(1);
    assert.deepEqual([0, 1, 2, 3].map((id) => tokens.allows(id)), [false, false, true, true]);
    tokens.accept(3);
    assert.ok(tokens.isComplete);
  });

  it("accepting a token the grammar does not allow is an error", () => {
    const vocab = vocabulary([new Uint8Array(0), utf8.encode("x")], [0]);
    const c = new GrammarConstraint(Grammar.fromGbnf(`root ::= "y"`), vocab);
    assert.throws(() => c.accept(1), (e: unknown) => e instanceof EdgeError && e.code === "grammar_rejected_token");
  });

  it("masks survive a rebuild of the automaton's caches (tiny limits)", () => {
    const g = Grammar.fromGbnf(`root ::= [a-z]{0,300}`, { limits: { maxStates: 8, maxStacksPerSet: 1024, maxNodes: 64 } });
    const vocab = vocabulary([new Uint8Array(0), utf8.encode("ab"), utf8.encode("c"), utf8.encode("D")], [0]);
    const c = new GrammarConstraint(g, vocab);
    for (let i = 0; i < 140; i++) {
      assert.ok(c.allows(1) && !c.allows(3));
      c.accept(i % 2 ? 1 : 2);
    }
    assert.ok(g.automaton.epoch > 0, "the caches were rebuilt");
    assert.ok(c.allows(0) && c.allows(2));
  });
});
