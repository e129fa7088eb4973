// Pre-tokenizer regex cascades: llama.cpp's whitespace set, lossless splitting, and known splits of the common patterns.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EdgeError } from "../errors.js";
import { compilePattern, getPreTokenizer, preTokenize, supportedPreTokenizers } from "./pre-tokenizer.js";

const split = (pre: string, text: string) => preTokenize(text, getPreTokenizer(pre).compiled);

describe("pre-tokenizer", () => {
  it("treats \\s as Unicode White_Space (U+0085 yes, U+FEFF no), unlike JS \\s", () => {
    const re = compilePattern("\\s+");
    assert.deepEqual("a\u0085b".match(re), ["\u0085"]);
    assert.equal("a\ufeffb".match(re), null);
    assert.deepEqual("x\u3000\u00a0y".match(re), ["\u3000\u00a0"]);
  });

  it("maps \\p{Lu}/\\p{Ll} to \\p{L} (llama.cpp only knows the letter category)", () => {
    assert.equal(compilePattern("\\p{Lu}+").source, "\\p{L}+");
  });

  it("splits GPT-2 style: contractions, space-prefixed words, whitespace before words", () => {
    assert.deepEqual(split("gpt-2", "Hello world's  end!!"), ["Hello", " world", "'s", " ", " end", "!!"]);
  });

  it("splits Llama 3 style: digits in threes, newlines kept with preceding whitespace", () => {
    assert.deepEqual(split("llama-bpe", "12345 x\n\n y"), ["123", "45", " x", "\n\n", " y"]);
    assert.deepEqual(split("qwen2", "12345"), ["1", "2", "3", "4", "5"]);
  });

  it("never loses or reorders text, for every supported pre-tokenizer", () => {
    const names = supportedPreTokenizers();
    const text = fc.string({ unit: fc.constantFrom("a", "Z", "é", "ß", "1", "٣", " ", "\n", "\r", "\t", "'", "s", "!", "…", "中", "ক", "🦙", "\u200d", "\u0085", "\u00a0") });
    fc.assert(
      fc.property(fc.constantFrom(...names), text, (name, s) => {
        const pieces = split(name, s);
        assert.equal(pieces.join(""), s);
        assert.ok(pieces.every((p) => p.length > 0));
      }),
      { numRuns: 300 },
    );
  });

  it("rejects unknown names with unsupported_tokenizer", () => {
    assert.throws(() => getPreTokenizer("nope"), (e: unknown) => e instanceof EdgeError && e.code === "unsupported_tokenizer");
    assert.equal(getPreTokenizer(undefined).name, "default");
  });
});
