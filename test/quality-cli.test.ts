// edgellm quality end to end on the trained demo model: one row per type, in order, that rank as their bits do.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./helpers/fixtures.js";

const BIN = join(repoRoot, "bin", "edgellm.js");
const run = (args: string[]) => spawnSync(process.execPath, [BIN, "quality", ...args], { encoding: "utf8", timeout: 180_000 });
const base = ["-m", join(repoRoot, "models", "edgellm-assistant-f16.gguf"), "-f", join(repoRoot, "models", "edgellm-assistant-heldout.txt"), "--ctx", "128", "--chunks", "3", "--threads", "1"];

describe("edgellm quality", () => {
  it("--format json: the base, then each type, with size, bits per weight, KLD and speed that order as the bits do", () => {
    const r = run([...base, "--types", "Q8_0,Q4_K_M,Q2_K", "--format", "json"]);
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout) as { base: Row; rows: Row[] };
    type Row = { type: string; mb: number; bitsPerWeight: number; decodeTokS: number; stats: { kldMean: number; sameTop: number; count: number } };
    assert.deepEqual(t.rows.map((x) => x.type), ["Q8_0", "Q4_K_M", "Q2_K"]);
    assert.equal(t.base.stats.kldMean, 0);
    assert.ok(t.base.bitsPerWeight > 15.9 && t.base.bitsPerWeight < 16.1, `F16 base: ${t.base.bitsPerWeight} bits`);
    assert.ok(t.rows[0]!.bitsPerWeight > 8.4 && t.rows[0]!.bitsPerWeight < 8.6, `Q8_0: ${t.rows[0]!.bitsPerWeight} bits`);
    for (let i = 1; i < t.rows.length; i++) {
      assert.ok(t.rows[i]!.mb < t.rows[i - 1]!.mb, "smaller file");
      assert.ok(t.rows[i]!.stats.kldMean > t.rows[i - 1]!.stats.kldMean, "larger divergence");
    }
    for (const x of [t.base, ...t.rows]) {
      assert.equal(x.stats.count, 3 * (128 - 1 - 64));
      assert.ok(x.decodeTokS > 0 && Number.isFinite(x.decodeTokS));
    }
  });

  it("markdown by default; an unknown type is one line before any work", () => {
    const md = run([...base, "--types", "Q8_0"]);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^\| type \| MB \| bits\/weight \| perplexity \| Δ perplexity \| mean KLD \| 99% KLD \| same top % \| decode tok\/s \|\n/);
    assert.equal(md.stdout.trimEnd().split("\n").length, 4, "header, rule, base, Q8_0");
    const bad = run([...base, "--types", "Q8_0,Q9"]);
    assert.notEqual(bad.status, 0);
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /unknown quantization type "Q9"/);
  });
});
