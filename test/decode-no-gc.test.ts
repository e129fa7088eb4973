// The decode loop allocates nothing: 256 decode steps under `node --trace-gc` with a 1 MiB young generation (so even a
// few hundred bytes per token would trigger scavenges) show no garbage collection at all, on 1 and on 2 threads.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { repoRoot } from "./helpers/fixtures.js";
import { writeTinyModel } from "./helpers/models.js";

describe("decode loop", () => {
  let model: string;
  before(async () => {
    model = await writeTinyModel("llama", GgmlType.Q8_0, 3, { contextLength: 512 });
  });
  for (const threads of [1, 2]) {
    it(`runs 256 tokens with no garbage collection (${threads} thread${threads > 1 ? "s" : ""})`, () => {
      const r = spawnSync(
        process.execPath,
        ["--trace-gc", "--expose-gc", "--max-semi-space-size=1", join(repoRoot, "scripts", "decode-gc-check.mjs"), model, String(threads), "256"],
        { encoding: "utf8", timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split("\n");
      const start = lines.indexOf("DECODE-START");
      const end = lines.indexOf("DECODE-END");
      assert.ok(start >= 0 && end > start, "markers missing");
      const gcs = lines.slice(start + 1, end).filter((l) => /Scavenge|Mark-Compact|Mark-sweep/.test(l));
      assert.deepEqual(gcs, [], "garbage collections during decode");
    });
  }
});
