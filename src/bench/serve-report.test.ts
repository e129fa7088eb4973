// The HTTP benchmark's pure parts: SSE parsing, samples from chunk timings (several tokens per chunk included),
// per-run metrics, the exact --json keys, CSV layout, the table, prompts and the servers' command lines.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiBase, completionBody, parseSse, type StreamTiming } from "./http-driver.js";
import { ctxPerSlot, promptSeed, promptText } from "./serve-bench.js";
import { edgellmServeArgs, llamaServerArgs, peakRssKiB } from "./server-process.js";
import {
  levelRunMetrics, requestSample, serveCsv, serveJsonLine, serveTable, summarizeLevel, type LevelRun, type ServeSetup,
} from "./serve-report.js";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

/** A stream sent at `sentAt` whose text chunks arrive at `chunkAt`, ending 1 ms after the last. */
function timing(sentAt: number, chunkAt: number[], completionTokens?: number, promptTokens?: number): StreamTiming {
  return { sentAt, chunkAt, endAt: chunkAt[chunkAt.length - 1] + 1, completionTokens, promptTokens, finishReason: "length" };
}

describe("SSE and requests", () => {
  it("parseSse: complete events only, multi-line data joined, comments and other fields dropped, CRLF accepted", () => {
    const r = parseSse('data: {"a":1}\n\n: keep-alive\n\nevent: x\ndata: line1\ndata:line2\r\n\r\ndata: [DONE]\n\ndata: {"par');
    assert.deepEqual(r.data, ['{"a":1}', "line1\nline2", "[DONE]"]);
    assert.equal(r.rest, 'data: {"par');
    const next = parseSse(r.rest + 'tial":2}\n\n');
    assert.deepEqual(next, { data: ['{"partial":2}'], rest: "" });
  });

  it("apiBase: a bare origin gets /v1, a path is kept", () => {
    assert.equal(apiBase("http://127.0.0.1:8080"), "http://127.0.0.1:8080/v1");
    assert.equal(apiBase("http://h:1/"), "http://h:1/v1");
    assert.equal(apiBase("http://h:1/v1/"), "http://h:1/v1");
    assert.equal(apiBase("https://h/api/v1"), "https://h/api/v1");
  });

  it("the request asks for exactly N greedy tokens, past end tokens, with usage in the stream", () => {
    const b = completionBody({ base: "x", model: "m" }, { prompt: [1, 2], maxTokens: 7 }, true);
    assert.deepEqual(b, { model: "m", prompt: [1, 2], max_tokens: 7, temperature: 0, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
    assert.equal("model" in completionBody({ base: "x" }, { prompt: "t", maxTokens: 1 }, false), false);
  });
});

describe("requestSample", () => {
  it("one token per chunk: the gaps are the per-token latencies", () => {
    const s = requestSample(timing(100, [150, 160, 175, 180], 4, 32), 30);
    assert.equal(s.ttftMs, 50);
    assert.equal(s.totalMs, 81);
    assert.deepEqual(s.tokenMs, [10, 15, 5]);
    close(s.decodeTokS, 3000 / 30); // 3 decode tokens from the first chunk to the last (30 ms)
    assert.equal(s.promptTokens, 32, "usage wins over the prompt sent");
    assert.equal(s.usage, true);
  });

  it("two tokens per chunk: each gap is shared by the tokens it carries", () => {
    const s = requestSample(timing(0, [10, 30, 50], 5), 8);
    assert.deepEqual(s.tokenMs, [10, 10]); // 4 decode tokens over 2 gaps of 20 ms
    close(s.decodeTokS, 4000 / 40);
    assert.equal(s.promptTokens, 8);
  });

  it("without usage every chunk counts as one token", () => {
    const s = requestSample(timing(0, [5, 7, 9]), 4);
    assert.equal(s.completionTokens, 3);
    assert.equal(s.usage, false);
    assert.deepEqual(s.tokenMs, [2, 2]);
  });

  it("a single chunk has no decode rate and no gaps", () => {
    const s = requestSample(timing(0, [5], 1), 4);
    assert.ok(Number.isNaN(s.decodeTokS));
    assert.deepEqual(s.tokenMs, []);
  });
});

describe("metrics, summaries and outputs", () => {
  // two streams sent together: 4 tokens each; the second waits for the first's prefill
  const run = (shift: number, rssKiB?: number): LevelRun => ({
    requests: [requestSample(timing(0 + shift, [20, 30, 40, 50].map((t) => t + shift), 4, 10), 10), requestSample(timing(0 + shift, [40, 50, 60, 70].map((t) => t + shift), 4, 10), 10)],
    peakRssKiB: rssKiB,
  });

  it("levelRunMetrics: aggregate over the wall time, per-stream rates, pooled gaps, request percentiles", () => {
    const m = levelRunMetrics(run(0, 2048));
    close(m.aggregate_tok_s, 8000 / 71); // 8 tokens from 0 to 71 ms
    close(m.decode_tok_s, 100); // 3 tokens in 30 ms, both streams
    assert.equal(m.ttft_ms, 30); // median of 20 and 40
    close(m.prefill_tok_s, (500 + 250) / 2); // 10 tokens in 20 ms and in 40 ms
    assert.equal(m.token_ms_p50, 10);
    assert.equal(m.token_ms_p99, 10);
    close(m.request_ms_p50, 61);
    close(m.request_ms_p90, 51 + 0.9 * 20);
    assert.equal(m.prompt_tokens, 10);
    assert.equal(m.generated_tokens, 4);
    assert.equal(m.tokens_per_chunk, 1);
    assert.equal(m.peak_rss_mb, 2);
    assert.ok(Number.isNaN(levelRunMetrics(run(0)).peak_rss_mb), "no PID, no RSS");
  });

  const setup: ServeSetup = {
    targets: [
      { label: "edgellm serve", url: "http://127.0.0.1:1/v1", command: "edgellm serve -m m.gguf", pid: 11, servedBy: "edgellm" },
      { label: "llama-server", url: "http://127.0.0.1:2/v1", pid: 12 },
    ],
    concurrency: [2], promptTokens: 10, genTokens: 4, runs: 2, warmup: 1, prompt: "ids", gguf: "/tmp/m,odel.gguf",
  };
  const ed = summarizeLevel("edgellm serve", 2, [run(0, 2048), run(5, 3072)], 4);
  const slow = (r: LevelRun): LevelRun => ({ ...r, requests: r.requests.map((q) => ({ ...q, completionTokens: 2 })) });
  const ll = summarizeLevel("llama-server", 2, [slow(run(0, 1024)), slow(run(0, 1024))], 4);

  it("summarizeLevel: medians with min-max, requests that stopped early counted", () => {
    assert.equal(ed.requests, 4);
    assert.equal(ed.stoppedEarly, 0);
    assert.deepEqual(ed.stats.peak_rss_mb, { median: 2.5, min: 2, max: 3 });
    assert.equal(ll.stoppedEarly, 4);
  });

  it("a --json line has exactly the documented keys; peak RSS is the last value, null when unknown", () => {
    const line = serveJsonLine(setup, ed);
    assert.deepEqual(Object.keys(line), [
      "target", "url", "model", "concurrency", "prompt", "prompt_tokens_asked", "gen_tokens_asked", "runs", "requests",
      "aggregate_tok_s", "decode_tok_s", "ttft_ms", "prefill_tok_s", "token_ms_p50", "token_ms_p90", "token_ms_p99",
      "request_ms_p50", "request_ms_p90", "request_ms_p99", "prompt_tokens", "generated_tokens", "tokens_per_chunk",
      "peak_rss_mb", "stopped_early",
    ]);
    assert.equal(line.model, "m,odel.gguf");
    assert.equal(line.peak_rss_mb, 3);
    assert.equal(line.concurrency, 2);
    const none = serveJsonLine(setup, summarizeLevel("llama-server", 1, [run(0)], 4));
    assert.equal(none.peak_rss_mb, null);
    assert.equal(JSON.parse(JSON.stringify(none)).peak_rss_mb, null);
  });

  it("CSV: header, one row per run and a median row per server and level", () => {
    const lines = serveCsv(setup, [ed, ll]).trimEnd().split("\n");
    assert.equal(lines.length, 1 + 2 * 3);
    const header = lines[0].split(",");
    assert.deepEqual(header.slice(0, 3), ["target", "concurrency", "run"]);
    const row = (i: number) => lines[i].split(",");
    assert.deepEqual(row(1).slice(0, 3), ["edgellm serve", "2", "1"]);
    assert.deepEqual(row(3).slice(0, 3), ["edgellm serve", "2", "median"]);
    assert.equal(Number(row(3)[header.indexOf("peak_rss_mb")]), 3);
    assert.equal(row(4)[0], "llama-server");
  });

  it("the table: one block per level, a column per server, the ratio, how it was measured, and the notes", () => {
    const t = serveTable(setup, [ed, ll]);
    assert.match(t, /server {3}edgellm serve: http:\/\/127\.0\.0\.1:1\/v1 \(owned_by edgellm, pid 11\)/);
    assert.match(t, /started as: edgellm serve -m m\.gguf/);
    assert.match(t, /10-token prompts \(token ids from m,odel\.gguf's vocabulary/);
    assert.match(t, /concurrency 2 +edgellm serve +llama-server +edgellm serve\/llama-server/);
    assert.match(t, /server peak RSS MB +3\.00 +1\.00 +3\.00x/);
    assert.match(t, /decode tok\/s per stream +100 +/);
    assert.match(t, /token ms = gaps between SSE chunks/);
    assert.match(t, /note: llama-server at concurrency 2: 4 of 4 requests ended before 4 tokens/);
    const noRss = serveTable({ ...setup, targets: [setup.targets[1]] }, [summarizeLevel("llama-server", 2, [run(0)], 4)]);
    assert.doesNotMatch(noRss, /peak RSS MB/);
  });
});

describe("prompts and servers", () => {
  it("promptSeed: neighbouring requests differ in the high bits (so their first token ids differ)", () => {
    const tops = new Set<number>();
    for (let k = 0; k < 64; k++) tops.add(promptSeed(0, 1, k) >>> 26);
    assert.ok(tops.size > 30, `${tops.size} distinct top bits`);
    assert.notEqual(promptSeed(0, 1, 0), promptSeed(1, 1, 0));
  });

  it("promptText: a rotation keeps the same words, fillers go at the end", () => {
    const a = promptText({ words: 12, pad: 0 }, 7).split(" ");
    const b = promptText({ words: 12, pad: 2 }, 7, 5).split(" ");
    assert.equal(a.length, 12);
    assert.deepEqual(b.slice(0, 12), [...a.slice(5), ...a.slice(0, 5)]);
    assert.deepEqual(b.slice(12), ["a", "a"]);
  });

  it("ctxPerSlot: prompt + generated + 8, in steps of 256, at most the model's", () => {
    assert.equal(ctxPerSlot(128, 128, 8192), 512);
    assert.equal(ctxPerSlot(16, 8, 8192), 256);
    assert.equal(ctxPerSlot(300, 200, 512), 512);
  });

  it("both servers get the same file, threads, slots and context per slot", () => {
    const l = { model: "m.gguf", threads: 2, parallel: 4, ctxPerSlot: 512 };
    const ed = edgellmServeArgs(l, 16).join(" ");
    assert.match(ed, /^serve -m m\.gguf .*--threads 2 --parallel 4 --ctx 512/);
    const ll = llamaServerArgs(l, 9999, ["--no-repack"]).join(" ");
    assert.equal(ll, "-m m.gguf -c 2048 -np 4 -t 2 --host 127.0.0.1 --port 9999 -fa off --cache-ram 0 --no-repack");
  });

  it("peakRssKiB reads VmHWM of a live process, undefined for none", { skip: process.platform !== "linux" }, () => {
    assert.ok((peakRssKiB(process.pid) ?? 0) > 10_000);
    assert.equal(peakRssKiB(2 ** 30), undefined);
  });
});
