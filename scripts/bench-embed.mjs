// Encoder (BERT-family) embedding speed, edgellm beside native llama.cpp on the same file and threads: tokens/s of one
// input of -p tokens ([CLS] … [SEP]), the per-input latency (median of --runs), and peak RSS. llama.cpp's figure is
// `llama-bench -embd 1 -p N -n 0` (its embedding prefill), best of both flash-attention modes.
// Usage: node scripts/bench-embed.mjs -m FILE [-p 128] [--threads 2] [--runs 5] [--llama-bench PATH]
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { loadModel } from "../dist/src/engine.js";
import { findLlamaBench } from "../dist/src/bench/llama-bench-driver.js";

const { values: a } = parseArgs({ options: { m: { type: "string" }, p: { type: "string", default: "128" }, threads: { type: "string", default: "2" }, runs: { type: "string", default: "5" }, "llama-bench": { type: "string" }, child: { type: "boolean" } } });
const n = Number(a.p), threads = Number(a.threads), runs = Number(a.runs);

if (a.child) {
  // one fresh process per measurement: load, one warm-up, then `runs` timed embeddings
  const lm = loadModel(a.m, { threads });
  const ids = [lm.tokenizer.bos, ...Array.from({ length: n - 2 }, (_, i) => 1000 + ((i * 7919) % (lm.config.vocabSize - 1000))), lm.tokenizer.encode("", { addSpecial: true }).at(-1)];
  lm.embed([ids]);
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    lm.embed([ids]);
    ms.push(performance.now() - t0);
  }
  ms.sort((x, y) => x - y);
  process.stdout.write(JSON.stringify({ median_ms: ms[ms.length >> 1], tok_s: n / (ms[ms.length >> 1] / 1000), peak_rss_mb: process.resourceUsage().maxRSS / 1024 }) + "\n");
  lm.dispose();
} else {
  const self = spawnSync(process.execPath, ["--max-semi-space-size=2", new URL(import.meta.url).pathname, "--child", "-m", a.m, "-p", String(n), "--threads", String(threads), "--runs", String(runs)], { encoding: "utf8" });
  if (self.status !== 0) throw new Error(self.stderr);
  const ours = JSON.parse(self.stdout);
  const bin = findLlamaBench(a["llama-bench"]);
  const rss = "/tmp/bench-embed-rss.txt";
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", rss, bin, "-m", a.m, "-embd", "1", "-p", String(n), "-n", "0", "-t", String(threads), "-r", String(runs), "-fa", "0,1", "-o", "json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const best = Math.max(...JSON.parse(r.stdout).map((x) => x.avg_ts));
  const nativeRss = Number(spawnSync("cat", [rss], { encoding: "utf8" }).stdout.trim()) / 1024;
  console.log(`| ${a.m.split("/").pop()} | ${n} | ${ours.tok_s.toFixed(0)} / ${best.toFixed(0)} (${(ours.tok_s / best).toFixed(2)}×) | ${ours.median_ms.toFixed(1)} / ${(1000 * n / best).toFixed(1)} | ${ours.peak_rss_mb.toFixed(0)} / ${nativeRss.toFixed(0)} |`);
}
