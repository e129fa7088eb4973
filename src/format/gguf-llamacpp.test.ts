// Compatibility: llama.cpp (through node-llama-cpp) loads a GGUF built from scratch by GgufWriter, tokenizes with its
// vocabulary and predicts the hand-computed next token, which proves it found every tensor's bytes where we put them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Token } from "node-llama-cpp";
import { FileSource } from "../io/file-source.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { parseGguf } from "./gguf-reader.js";
import { expectedNextToken, tinyLlamaWriter, tinyVocab } from "./test-tiny-llama.js";

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
const dir = mkdtempSync(join(tmpdir(), "edgellm-llamacpp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadLlama() {
  try {
    const { getLlama } = await import("node-llama-cpp");
    return await getLlama({ gpu: false, build: "never", skipDownload: true, maxThreads: 1, logLevel: "error" as never });
  } catch (e) {
    if (process.env.CI) throw e;
    return String(e);
  }
}

describe("llama.cpp loads GgufWriter output", () => {
  it("a tiny llama model written from scratch: metadata, tensor table, tokenizer and a forward pass", async (t) => {
    const llama = await loadLlama();
    if (typeof llama === "string") return t.skip(`node-llama-cpp unavailable: ${llama}`);
    const path = join(dir, "tiny.gguf");
    const { writer, nVocab } = tinyLlamaWriter();
    await writeGgufFile(path, writer);
    const src = new FileSource(path);
    const ours = parseGguf(src);
    src.close();

    const model = await llama.loadModel({ modelPath: path });
    try {
      // node-llama-cpp's own GGUF reader agrees with ours on the metadata and on every tensor's place.
      const info = model.fileInfo;
      assert.equal(info.version, 3);
      assert.equal(info.metadata.general.alignment, 64);
      assert.equal(info.metadata.general.name, "edgellm tiny test model");
      assert.deepEqual(
        info.tensorInfo?.map((x) => [x.name, x.dimensions.map(Number), x.ggmlType, Number(x.fileOffset)]),
        ours.tensors.map((x) => [x.name, x.dims, x.type, x.fileOffset]),
      );

      // llama.cpp's SPM tokenizer merges "▁hello" out of our pieces.
      const ids = model.tokenize("hello");
      assert.deepEqual(ids.map((id) => tinyVocab().tokens[id]), ["▁hello"]);
      assert.equal(model.detokenize(ids), "hello");

      // Greedy next token after a few inputs equals the one implied by the embedding layout.
      const context = await model.createContext({ contextSize: 64 });
      try {
        const seq = context.getSequence();
        for (const start of [ids[0], 5, 200]) {
          await seq.clearHistory();
          const gen = seq.evaluate([start as Token]);
          const next = await gen.next();
          await gen.return();
          assert.equal(next.value, expectedNextToken(start, nVocab), `next token after ${start}`);
        }
      } finally {
        await context.dispose();
      }
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });
});
