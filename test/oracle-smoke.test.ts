// Smoke test of the llama.cpp oracle: the prebuilt binary loads, and tokenization matches llama.cpp's own test vectors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fixture } from "./helpers/fixtures.js";
import { openOracle, type Oracle } from "./helpers/oracle.js";

const SEPARATOR = "\n__ggml_vocab_test__\n";

/** Reads a llama.cpp `.inp`/`.out` pair (format in shared/fixtures/PROVENANCE.md). */
function readVectors(ggufPath: string): Array<{ text: string; ids: number[] }> {
  const inp = readFileSync(`${ggufPath}.inp`, "utf8");
  const texts = inp.split(SEPARATOR);
  // The separator also follows the last test, so split() leaves one empty tail item that is not a test.
  if (texts.at(-1) === "") texts.pop();
  const lines = readFileSync(`${ggufPath}.out`, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  assert.equal(lines.length, texts.length, "test vector files disagree on the number of tests");
  return texts.map((text, i) => ({
    text,
    ids: lines[i]!.trim() === "" ? [] : lines[i]!.trim().split(" ").map(Number),
  }));
}

const spm = fixture("vocab/ggml-vocab-llama-spm.gguf");

describe("oracle (node-llama-cpp) on the llama SPM vocabulary", { skip: spm ? false : "fixture missing" }, () => {
  let oracle: Oracle;
  before(async () => {
    oracle = await openOracle(spm!, { vocabOnly: true });
  });
  after(async () => {
    await oracle?.dispose();
  });

  it("reads the vocabulary header values", () => {
    assert.equal(oracle.vocabSize, 32000);
    assert.equal(oracle.bos, 1);
    assert.equal(oracle.eos, 2);
    assert.equal(oracle.addBos, true);
    assert.equal(oracle.addEos, false);
  });

  it("tokenizes 'Hello world' variants as in the .out vectors", () => {
    const vectors = new Map(readVectors(spm!).map((v) => [v.text, v.ids]));
    assert.deepEqual(vectors.get("Hello world"), [15043, 3186]);
    assert.deepEqual(oracle.tokenize("Hello world"), vectors.get("Hello world"));
    assert.deepEqual(oracle.tokenize(" Hello world"), vectors.get(" Hello world"));
    assert.deepEqual(oracle.tokenize("Hello, world!"), vectors.get("Hello, world!"));
  });

  it("matches all 46 test vectors (add_special=false, parse_special=false)", () => {
    const vectors = readVectors(spm!);
    assert.equal(vectors.length, 46);
    for (const { text, ids } of vectors) assert.deepEqual(oracle.tokenize(text), ids, `text ${JSON.stringify(text)}`);
  });

  it("adds BOS only with addSpecial, and parses <s> only with parseSpecial", () => {
    assert.deepEqual(oracle.tokenize("Hello world", { addSpecial: true }), [1, 15043, 3186]);
    assert.deepEqual(oracle.tokenize("<s>", { parseSpecial: true }), [1]);
    assert.notDeepEqual(oracle.tokenize("<s>"), [1]);
  });

  it("detokenizes back to the text", () => {
    assert.equal(oracle.detokenize([15043, 3186]), "Hello world");
    assert.equal(oracle.detokenize([1, 15043], { unparseSpecial: true }), "<s> Hello");
  });

  it("refuses evaluation on a vocab-only model", async () => {
    await assert.rejects(oracle.nextTokenLogits([1]), /vocabOnly/);
  });
});
