// Benchmark reporting: metrics from raw timings, the exact --json keys, CSV layout, table, roofline and prompt ids.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GgufValueType, type GgufFile, type GgufKv, type GgufTensorInfo } from "../format/gguf-types.js";
import { benchPromptIds, modelFacts, rooflineFraction, weightBytesPerToken } from "./model-facts.js";
import { renderBar } from "./progress.js";
import type { RunMeasurement } from "./protocol.js";
import { commonPrefix, csvField, jsonLine, runMetrics, summarize, toCsv, toTable, type BenchSetup } from "./report.js";
import { childExecArgv, lastLine } from "./runner.js";

function tensor(name: string, byteSize: number): GgufTensorInfo {
  return { name, dims: [byteSize], type: 0, offset: 0, fileOffset: 0, byteSize };
}

function fakeFile(tensors: GgufTensorInfo[], extra: [string, GgufKv][] = []): GgufFile {
  const metadata = new Map<string, GgufKv>([
    ["general.architecture", { type: GgufValueType.STRING, value: "llama" }],
    ["llama.context_length", { type: GgufValueType.UINT32, value: 256 }],
    ...extra,
  ]);
  return { version: 3, metadata, tensors, alignment: 32, dataOffset: 0, fileSize: 3 * 2 ** 20, name: "fake.gguf" };
}

/** Fields of one CSV line, raw (quotes kept), split on commas outside quotes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function measurement(over: Partial<RunMeasurement> = {}): RunMeasurement {
  return {
    backend: "edgellm", kernels: "wasm", loadMs: 5, prefillMs: 100, ttftMs: 101, tokenMs: [10, 10, 20, 20],
    tokens: [1, 2, 3, 4, 5], peakRssKiB: 2048, ...over,
  };
}

const facts = modelFacts(fakeFile([tensor("token_embd.weight", 1_000_000), tensor("blk.0.attn_q.weight", 500_000)]));
const setup: BenchSetup = {
  model: "/tmp/m,odel.gguf", facts, threads: 2, promptTokens: 50, genTokens: 4, runs: 3, warmup: 1, bandwidthGbs: 19,
};

describe("runMetrics", () => {
  it("derives rates, latency percentiles and MiB from raw timings", () => {
    const m = runMetrics(measurement(), 50);
    assert.equal(m.prefill_tok_s, 500); // 50 tokens in 100 ms
    assert.ok(Math.abs(m.decode_tok_s - 4000 / 60) < 1e-9); // 4 steps in 60 ms
    assert.equal(m.ttft_ms, 101);
    assert.equal(m.token_ms_p50, 15);
    assert.equal(m.token_ms_max, 20);
    assert.equal(m.token_ms_stddev, 5);
    assert.equal(m.jitter_ms, 10);
    assert.equal(m.peak_rss_mb, 2);
  });
});

describe("summaries and output formats", () => {
  const runs = [
    measurement({ prefillMs: 100, peakRssKiB: 3072 }),
    measurement({ prefillMs: 50, peakRssKiB: 1024 }),
    measurement({ prefillMs: 200, peakRssKiB: 2048 }),
  ];
  const ed = summarize("edgellm", runs, 50);
  const ll = summarize("llama.cpp", runs.map((r) => ({ ...r, backend: "llama.cpp" as const, kernels: "node-llama-cpp x2", tokens: [1, 2, 9] })), 50);

  it("takes the median over runs and keeps min–max", () => {
    assert.deepEqual(ed.stats.prefill_tok_s, { median: 500, min: 250, max: 1000 });
    assert.deepEqual(ed.stats.peak_rss_mb, { median: 2, min: 1, max: 3 });
  });

  it("a --json line has exactly the documented keys, with medians", () => {
    const line = jsonLine(setup, ed);
    assert.deepEqual(Object.keys(line), [
      "backend", "model", "threads", "prompt_tokens", "gen_tokens", "prefill_tok_s", "decode_tok_s", "ttft_ms",
      "token_ms_p50", "token_ms_p90", "token_ms_p99", "token_ms_max", "token_ms_stddev", "jitter_ms", "token_p99_p50",
      "floor_p99_p50", "peak_rss_mb", "model_mb",
    ]);
    assert.equal(line.backend, "edgellm");
    assert.equal(line.model, "/tmp/m,odel.gguf");
    assert.equal(line.prefill_tok_s, 500);
    assert.equal(line.model_mb, 3);
    assert.equal(line.gen_tokens, 4);
    assert.deepEqual(JSON.parse(JSON.stringify(line)), line);
  });

  it("CSV: header, one row per run and a median row per backend, quoted fields", () => {
    const csv = toCsv(setup, [ed, ll]);
    assert.ok(csv.endsWith("\n"));
    const lines = csv.trimEnd().split("\n");
    assert.equal(lines.length, 1 + 2 * (3 + 1));
    const header = lines[0].split(",");
    assert.equal(header[0], "backend");
    assert.ok(header.includes("decode_roofline_frac") && header.includes("peak_rss_mb"));
    // the model path holds a comma, so it is quoted; split on commas outside quotes
    const cells = splitCsvLine;
    const row1 = cells(lines[1]);
    assert.equal(row1.length, header.length);
    assert.equal(row1[header.indexOf("model")], '"/tmp/m,odel.gguf"');
    assert.equal(row1[header.indexOf("run")], "1");
    assert.equal(Number(row1[header.indexOf("prefill_tok_s")]), 500);
    assert.equal(Number(row1[header.indexOf("load_ms")]), 5);
    assert.equal(Number(row1[header.indexOf("bytes_per_token")]), 1_500_000);
    const median = cells(lines[4]);
    assert.equal(median[header.indexOf("run")], "median");
    assert.equal(median[header.indexOf("backend")], "edgellm");
    assert.equal(cells(lines[5])[header.indexOf("backend")], "llama.cpp");
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField(1.5), "1.5");
  });

  it("the table shows both backends with median (min-max), the ratio and greedy-token agreement", () => {
    const t = toTable(setup, [ed, ll]);
    assert.match(t, /edgellm \[wasm\]/);
    assert.match(t, /llama\.cpp \[node-llama-cpp x2\]/);
    assert.match(t, /prefill tok\/s +500 \(250-1000\) +500 \(250-1000\) +1\.00x/);
    assert.match(t, /decode % of roofline/);
    assert.match(t, /load ms +5\.00 \(5\.00-5\.00\)/);
    assert.match(t, /agree on the first 2 of 3/);
  });

  it("commonPrefix counts leading equal tokens", () => {
    assert.equal(commonPrefix([1, 2, 3], [1, 2, 4]), 2);
    assert.equal(commonPrefix([], [1]), 0);
    assert.equal(commonPrefix([5, 6], [5, 6]), 2);
  });
});

describe("roofline", () => {
  it("tied embeddings: the table is read once as the LM head", () => {
    const f = fakeFile([tensor("token_embd.weight", 1000), tensor("blk.0.ffn_up.weight", 300), tensor("output_norm.weight", 4)]);
    assert.equal(weightBytesPerToken(f), 1304);
    assert.equal(modelFacts(f).tied, true);
  });

  it("separate output matrix: the embedding table is only looked up, not read", () => {
    const f = fakeFile([tensor("token_embd.weight", 1000), tensor("blk.0.ffn_up.weight", 300), tensor("output.weight", 700)]);
    assert.equal(weightBytesPerToken(f), 1000);
    assert.equal(modelFacts(f).tied, false);
  });

  it("position embeddings are a lookup table too", () => {
    const f = fakeFile([tensor("token_embd.weight", 1000), tensor("position_embd.weight", 500), tensor("blk.0.attn_qkv.weight", 300)]);
    assert.equal(weightBytesPerToken(f), 1300);
  });

  it("fraction = tok/s × bytes per token ÷ bandwidth", () => {
    assert.equal(rooflineFraction(50, 100e6, 10), 0.5);
  });
});

describe("benchPromptIds", () => {
  const types = Int32Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 3 : 1)); // every 4th token is control
  const f = fakeFile([], [
    ["llama.vocab_size", { type: GgufValueType.UINT32, value: 40 }],
    ["tokenizer.ggml.token_type", { type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT32, items: types } }],
  ]);

  it("draws only ordinary tokens inside the vocabulary, deterministically", () => {
    const ids = benchPromptIds(f, 200);
    assert.equal(ids.length, 200);
    for (const id of ids) assert.ok(id >= 0 && id < 40 && id % 4 !== 0, `id ${id}`);
    assert.deepEqual(benchPromptIds(f, 200), ids);
    assert.ok(new Set(ids).size > 10, "spread over the vocabulary");
    assert.notDeepEqual(benchPromptIds(f, 200, 99), ids);
  });
});

describe("runner helpers", () => {
  it("lastLine: the last non-empty stderr line without our prefix", () => {
    assert.equal(lastLine("warning: x\nedgellm: boom [io_error]\n\n"), "boom [io_error]");
    assert.equal(lastLine(""), "");
  });

  it("childExecArgv keeps loaders and V8 flags, drops test-runner, watch and inspector flags, adds the command's own", () => {
    assert.deepEqual(
      childExecArgv(["--import", "file:///x/loader.mjs", "--test-concurrency=2", "--test", "--experimental-test-coverage",
        "--inspect-brk", "--experimental-wasm-relaxed-simd", "--watch"]),
      ["--import", "file:///x/loader.mjs", "--experimental-wasm-relaxed-simd", "--max-semi-space-size=2"],
    );
    // a semi-space size the parent chose wins
    assert.deepEqual(childExecArgv(["--max-semi-space-size=8"]), ["--max-semi-space-size=8"]);
  });

  it("renderBar draws the fraction done", () => {
    assert.equal(renderBar(1, 4, "x", 2500, 8), "[##......]  25% x  3s");
    assert.equal(renderBar(9, 4, "y", 0, 4), "[####] 100% y  0s");
  });
});
