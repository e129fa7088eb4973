// createKernels: which implementation each option picks, and argument validation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Arena } from "./memory.js";
import { ReferenceKernels } from "./reference.js";
import { createKernels, defaultThreads } from "./select.js";
import { ThreadedKernels } from "./threads/threaded-kernels.js";
import { WasmKernels } from "./wasm/wasm-kernels.js";

test("createKernels picks reference, single-thread WASM or the thread pool", () => {
  const arena = new Arena(1 << 20);
  assert.ok(createKernels(arena, { backend: "reference" }) instanceof ReferenceKernels);
  const one = createKernels(arena, { threads: 1 });
  assert.ok(one instanceof WasmKernels && !(one instanceof ThreadedKernels));
  const two = createKernels(arena, { threads: 2 });
  assert.ok(two instanceof ThreadedKernels);
  assert.equal((two as ThreadedKernels).threads, 2);
  two.dispose?.();
  const dflt = createKernels(arena);
  assert.ok(dflt instanceof WasmKernels);
  assert.equal(dflt instanceof ThreadedKernels ? dflt.threads : 1, defaultThreads());
  dflt.dispose?.();
});

test("createKernels rejects bad options with bad_argument", () => {
  const arena = new Arena(1 << 20);
  for (const threads of [0, -1, 1.5, Number.NaN, 1000]) {
    assert.throws(() => createKernels(arena, { threads }), { code: "bad_argument" }, `threads ${threads}`);
  }
  assert.throws(() => createKernels(arena, { backend: "gpu" as "wasm" }), { code: "bad_argument" });
});
