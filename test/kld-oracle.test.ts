// edgellm perplexity --kld-base against llama-perplexity --kl-divergence on the same files and text (values recorded
// by scripts/kld-oracle.mjs): mean KLD, its 99th percentile and median, perplexities within 1%; top-token agreement
// within a point (llama.cpp stores the base distribution as 16-bit log-probabilities, which moves near-ties).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadModel } from "../src/engine.js";
import { klDivergence } from "../src/eval/kl-divergence.js";
import { fileTypeByName } from "../src/tools/quant-plan.js";
import { quantizeModel } from "../src/tools/quantize.js";
import { repoRoot } from "./helpers/fixtures.js";
import { KLD_PAIR, writeKldBase } from "./helpers/kld-pair.js";
import { tempDir } from "./helpers/models.js";

type Recorded = { ppl: number; pplBase: number; kldMean: number; kldP99: number; kldMedian: number; sameTop: number };
const ORACLE = JSON.parse(readFileSync(join(repoRoot, "test", "kld-oracle.json"), "utf8")) as { llamaCpp: string; results: Record<string, Recorded> };

function stats(modelPath: string, basePath: string) {
  const lm = loadModel(modelPath, { threads: 1 });
  const base = loadModel(basePath, { threads: 1 });
  try {
    const tokens = lm.tokenizer.encode(readFileSync(KLD_PAIR.text, "utf8")).slice(0, KLD_PAIR.ctx * KLD_PAIR.chunks);
    const opts = { ctx: KLD_PAIR.ctx, batch: 64, allLogits: true };
    const bos = lm.tokenizer.addsBos ? (lm.tokenizer.bos ?? -1) : -1;
    return klDivergence(lm.createSession(opts), base.createSession(opts), tokens, KLD_PAIR.ctx, bos);
  } finally {
    lm.dispose();
    base.dispose();
  }
}

const near = (got: number, want: number, rel: number, what: string, abs = 0) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + abs, `${what}: ${got} vs llama-perplexity's ${want} (more than ${rel * 100}%${abs ? ` + ${abs}` : ""} apart)`);
/**
 * llama-perplexity keeps the base's log-probabilities in 16 bits (steps of ~3e-4 nats here), so single-token KLDs
 * of ~1e-3 (Q8_0) carry its rounding: percentiles get an absolute allowance of that size on top of the 1%.
 */
const BASE_ROUNDING = 1e-4;

describe(`KL divergence = llama-perplexity's (llama.cpp ${ORACLE.llamaCpp})`, () => {
  const dir = tempDir();
  const basePath = join(dir, "kld-base.gguf");
  before(() => writeKldBase(basePath));

  for (const type of KLD_PAIR.types) {
    it(`${type} against its F16 base`, async () => {
      const want = ORACLE.results[type]!;
      const q = join(dir, `kld-${type}.gguf`);
      await quantizeModel(basePath, q, { fileType: fileTypeByName(type), threads: 1 });
      const r = stats(q, basePath);
      assert.equal(r.count, KLD_PAIR.chunks * (KLD_PAIR.ctx - 1 - KLD_PAIR.ctx / 2));
      near(r.ppl, want.ppl, 0.01, "PPL(Q)");
      near(r.pplBase, want.pplBase, 0.01, "PPL(base)");
      near(r.kldMean, want.kldMean, 0.01, "mean KLD");
      near(r.kldP99, want.kldP99, 0.01, "99% KLD", BASE_ROUNDING);
      near(r.kldMedian, want.kldMedian, 0.01, "median KLD", BASE_ROUNDING);
      assert.ok(Math.abs(r.sameTop - want.sameTop) <= 0.01, `same top ${r.sameTop} vs ${want.sameTop}`);
      assert.ok(r.kldUnc > 0 && r.kldUnc < r.kldMean, "uncertainty of the mean");
    });
  }

  it("a model against itself: zero divergence, the same top token everywhere, equal perplexities", () => {
    const r = stats(basePath, basePath);
    assert.ok(Math.abs(r.kldMean) < 1e-9 && r.kldMax < 1e-9, `KLD ${r.kldMean}, max ${r.kldMax}`);
    assert.equal(r.sameTop, 1);
    assert.equal(r.ppl, r.pplBase);
  });

  it("edgellm perplexity --kld-base: llama-perplexity's report, --json, and a base of another vocabulary refused in one line", () => {
    const bin = join(repoRoot, "bin", "edgellm.js");
    const q8 = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");
    const f16 = join(repoRoot, "models", "edgellm-assistant-f16.gguf");
    const run = (args: string[]) => spawnSync(process.execPath, [bin, "perplexity", ...args], { encoding: "utf8", timeout: 120_000 });
    const common = ["-f", KLD_PAIR.text, "--ctx", "128", "--chunks", "2", "--threads", "1"];
    const text = run(["-m", q8, "--kld-base", f16, ...common]);
    assert.equal(text.status, 0, text.stderr);
    for (const line of ["Mean PPL(Q)", "Mean PPL(base)", "Mean    KLD:", "99.0%   KLD:", "Same top p:"]) assert.ok(text.stdout.includes(line), `${line} in\n${text.stdout}`);
    const json = run(["-m", q8, "--kld-base", f16, ...common, "--json"]);
    const r = JSON.parse(json.stdout) as Record<string, number>;
    assert.equal(r.count, 2 * (128 - 1 - 64));
    assert.ok(r.kldMean! > 0 && r.kldMean! < 0.05 && r.sameTop! > 0.9, `Q8_0 of the trained model: ${json.stdout}`);
    const bad = run(["-m", q8, "--kld-base", basePath, ...common]);
    assert.notEqual(bad.status, 0);
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /vocabulary|not the same model/);
  });
});
