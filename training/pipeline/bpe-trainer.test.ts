// BPE trainer: hand-checked merges, deterministic ties, and an encoder that agrees with the project's Tokenizer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { BpeEncoder, chatTokenIds, countWords, splitSpecial, trainBpe } from "./bpe-trainer.js";
import { CHAT_TEMPLATE, renderChat, SPECIAL_TOKENS } from "./chat-format.js";
import { generateCorpus } from "./corpus.js";
import { messagesOf, toVocabData, type TokenizerFile } from "./prepare-data.js";
import { Rng } from "./rng.js";

const specials = SPECIAL_TOKENS;

describe("trainBpe", () => {
  it("merges the most frequent pair first and stops when no pair occurs twice", () => {
    // Pairs: (a,b) = 5 + 3 = 8, (b,c) = 3 + 1 = 4. After "a b": (ab,c) = 3, (b,c) = 1.
    const bpe = trainBpe(new Map([["ab", 5], ["abc", 3], ["bc", 1]]), { vocabSize: 1000, pre: "qwen35", specialTokens: specials });
    assert.deepEqual(bpe.merges, ["a b", "ab c"]);
    assert.deepEqual(bpe.tokens.slice(256), ["ab", "abc", ...specials]);
    assert.equal(bpe.tokens.length, 256 + 2 + 3);
    assert.deepEqual(bpe.tokenTypes.slice(-4), [1, 3, 3, 3]);
  });

  it("breaks count ties by the pair's text and ignores insertion order", () => {
    const a = trainBpe(new Map([["xy", 2], ["ab", 2]]), { vocabSize: 1000, pre: "qwen35", specialTokens: specials });
    const b = trainBpe(new Map([["ab", 2], ["xy", 2]]), { vocabSize: 1000, pre: "qwen35", specialTokens: specials });
    assert.deepEqual(a.merges, ["a b", "x y"]);
    assert.deepEqual(a, b);
  });

  it("stops at the requested vocabulary size", () => {
    const bpe = trainBpe(new Map([["abcdefgh", 10]]), { vocabSize: 256 + 3 + 3, pre: "qwen35", specialTokens: specials });
    assert.equal(bpe.merges.length, 3);
    assert.equal(bpe.tokens.length, 262);
  });

  it("counts words after the qwen35 pre-tokenizer, keeping Bengali vowel signs inside words", () => {
    const counts = countWords(["<|im_start|>user\nশোবার ঘরের লাইট<|im_end|>"], "qwen35", specials);
    const words = [...counts.keys()].map((w) => new TextDecoder().decode(Uint8Array.from(Array.from(w, (c) => byteOf(c)))));
    assert.deepEqual(words, ["user", "\n", "শোবার", " ঘরের", " লাইট"]);
  });
});

/** Inverse of the GPT-2 byte-to-char map (restated here: printable Latin-1 maps to itself, the rest from U+0100). */
function byteOf(ch: string): number {
  const printable: number[] = [];
  for (let b = 0; b < 256; b++) if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) printable.push(b);
  const cp = ch.codePointAt(0)!;
  if (cp < 256 && printable.includes(cp)) return cp;
  const others = [...Array(256).keys()].filter((b) => !printable.includes(b));
  return others[cp - 256];
}

describe("splitSpecial", () => {
  it("cuts out special-token strings and keeps the text between them", () => {
    assert.deepEqual(splitSpecial("<|im_start|>user\nhi<|im_end|>\n", specials), [
      { text: "<|im_start|>", special: true },
      { text: "user\nhi", special: false },
      { text: "<|im_end|>", special: true },
      { text: "\n", special: false },
    ]);
    assert.deepEqual(splitSpecial("plain", specials), [{ text: "plain", special: false }]);
  });
});

describe("BpeEncoder on a trained vocabulary", () => {
  const corpus = generateCorpus({ seed: 3, trainConversations: 1500, testConversations: 300 });
  const texts = corpus.train.map((c) => renderChat(messagesOf(c), false));
  const bpe = trainBpe(countWords(texts, "qwen35", specials), { vocabSize: 1500, pre: "qwen35", specialTokens: specials });
  const ids = chatTokenIds(bpe);
  const file: TokenizerFile = { ...bpe, bosId: ids.endOfText, eosId: ids.imEnd, eotId: ids.imEnd, padId: ids.endOfText, chatTemplate: CHAT_TEMPLATE };
  const enc = new BpeEncoder(bpe);
  const reference = Tokenizer.fromVocab(toVocabData(file));

  it("gives the same ids as the project's Tokenizer on held-out conversations", () => {
    for (const c of corpus.test) {
      const text = renderChat(messagesOf(c), false);
      assert.deepEqual(enc.encode(text, true), reference.encode(text, { addSpecial: false, parseSpecial: true }), c.id);
    }
  });

  it("round-trips arbitrary text, including Bangla and emoji", () => {
    const bangla = fc.string({ unit: fc.constantFrom(..."অআইকখগঘঙচছজঝটঠডঢণতথদধনপফবভমযরলশষসহড়য়ািীুূেৈোৌ্ংঃঁ০১২৩৪৫৬৭৮৯। ") });
    fc.assert(
      // Grapheme / ASCII / Bangla units only, so every generated string is well-formed UTF-16.
      fc.property(fc.oneof(fc.string({ unit: "grapheme" }), bangla, fc.string()), (s) => {
        assert.equal(enc.decode(enc.encode(s)), s);
      }),
      { numRuns: 300 },
    );
  });

  it("BPE-dropout gives a finer split of the same bytes", () => {
    const rng = new Rng(9);
    const text = "Turn off the laundry room lights please, রান্নাঘরের লাইট নিভিয়ে দাও";
    const canonical = enc.encode(text);
    let finer = 0;
    for (let i = 0; i < 20; i++) {
      const dropped = enc.encode(text, false, { p: 0.3, random: () => rng.float() });
      assert.equal(enc.decode(dropped), text);
      assert.ok(dropped.length >= canonical.length);
      if (dropped.length > canonical.length) finer++;
    }
    assert.ok(finer > 10);
  });
});
