// openModelAsync over a Blob, the browser build's way of loading (header from a prefix, weights by readIntoAsync
// straight into the arena), on an unshared memory with the -single kernels and on a shared one with threads: the
// same greedy tokens as loadModel from the file.
import assert from "node:assert/strict";
import { openAsBlob } from "node:fs";
import { test } from "node:test";
import { DEFAULT_MODEL_PATH } from "./cli/default-model.js";
import { loadModel, readGgufHeader, type LoadedModel } from "./engine.js";
import { BlobSource } from "./io/blob-source.js";
import { NODE_PLATFORM } from "./kernels/select.js";
import { openModelAsync } from "./open-model.js";
import { ChatTemplate } from "./tokenizer/chat-template.js";

const PROMPT = "What can you do?";
const N = 32;

async function greedy(lm: LoadedModel, grow = 0): Promise<number[]> {
  const session = lm.createSession({ ctx: 256 });
  // memory allocated after the session: an unshared memory's grow detaches every view the session made before
  if (grow) lm.kernels.arena.alloc(grow);
  const prompt = ChatTemplate.fromGguf(lm.file, lm.tokenizer)!.promptIds(lm.tokenizer, [{ role: "user", content: PROMPT }]);
  const ids: number[] = [];
  for await (const t of lm.generate(session, prompt, { temperature: 0, maxTokens: N })) if (t.token >= 0) ids.push(t.token);
  return ids;
}

test("a Blob read asynchronously gives loadModel's greedy tokens, on an unshared memory and on threads", async () => {
  const file = loadModel(DEFAULT_MODEL_PATH, { threads: 1 });
  const expected = await greedy(file);
  file.dispose();
  assert.equal(expected.length, N);

  const blob = await openAsBlob(DEFAULT_MODEL_PATH);
  // a 4 KiB first prefix: the header is re-read with longer prefixes until it parses
  const src = new BlobSource(blob, "assistant.gguf", 4096);
  const header = await src.readHeader();
  assert.deepEqual(header.tensors, readGgufHeader(DEFAULT_MODEL_PATH).tensors);
  let progress = 0;
  const single = await openModelAsync(src, { header, platform: NODE_PLATFORM, threads: 1, shared: false, onProgress: (d) => (progress = d) });
  try {
    assert.equal(single.kernels.arena.shared, false);
    assert.equal(single.path, "assistant.gguf");
    assert.equal(progress, header.tensors.reduce((a, t) => a + t.byteSize, 0));
    const before = single.kernels.arena.u8.buffer;
    assert.deepEqual(await greedy(single, 32 << 20), expected);
    assert.notEqual(single.kernels.arena.u8.buffer, before, "the memory grew under the session");
  } finally {
    single.dispose();
  }

  const src2 = new BlobSource(blob, "assistant.gguf");
  const threaded = await openModelAsync(src2, { header: await src2.readHeader(), platform: NODE_PLATFORM, threads: 2 });
  try {
    assert.match(threaded.kernels.name, /-threads-2$/);
    assert.deepEqual(await greedy(threaded), expected);
  } finally {
    threaded.dispose();
  }
});

test("a Blob source: reads past the header need readIntoAsync; a cut file fails like a file", async () => {
  const blob = await openAsBlob(DEFAULT_MODEL_PATH);
  const src = new BlobSource(blob, "assistant.gguf");
  await src.readHeader();
  assert.throws(() => src.readInto(0, 16, new Uint8Array(16)), { code: "io_error" });
  const bytes = await src.readIntoAsync(blob.size - 8, 8, new Uint8Array(10), 2);
  assert.deepEqual(bytes.subarray(2), new Uint8Array(await blob.slice(blob.size - 8).arrayBuffer()));
  const cut = new BlobSource(blob.slice(0, 3000), "cut.gguf", 1024);
  await assert.rejects(cut.readHeader(), { code: "gguf_truncated" });
  const threads = new BlobSource(blob, "assistant.gguf");
  await assert.rejects(
    openModelAsync(threads, { header: await threads.readHeader(), platform: NODE_PLATFORM, threads: 2, shared: false }),
    { code: "unsupported_platform" },
  );
});

test("afterHeader runs once, after the tokenizer is built and before any weight byte is read (Node collects garbage there)", async () => {
  const events: string[] = [];
  const src = new BlobSource(await openAsBlob(DEFAULT_MODEL_PATH), "assistant.gguf");
  const lm = await openModelAsync(src, {
    header: await src.readHeader(), platform: NODE_PLATFORM, threads: 1, shared: false,
    afterHeader: () => events.push("afterHeader"),
    onProgress: () => events.at(-1) !== "weights" && events.push("weights"),
  });
  try {
    assert.deepEqual(events, ["afterHeader", "weights"]);
    assert.ok(lm.tokenizer.encode("hi").length > 0);
  } finally {
    lm.dispose();
  }
});
