// `edgellm bench` end to end on a tiny random model: real child processes for both backends, JSON and CSV output,
// and a failing child reported as one line. No timing is asserted, only that the numbers are sane.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { benchCommand } from "../cli/commands/bench.js";
import { EdgeError } from "../errors.js";
import { parseGguf } from "../format/gguf-reader.js";
import { findLlamaBench } from "./llama-bench-driver.js";
import { GgufWriter } from "../format/gguf-writer.js";
import { BufferSource } from "../io/byte-source.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { fileTypeByName } from "../tools/quant-plan.js";
import { quantizeModel } from "../tools/quantize.js";
import { synthModel, type SynthShape } from "../tools/synth.js";

/** Row lengths are multiples of 32 (Q8_0 blocks); head size 16. */
const TINY: SynthShape = {
  arch: "llama", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocabSize: 512, contextLength: 256,
  ropeBase: 10000, normEps: 1e-5, tied: true,
};

const dir = mkdtempSync(join(tmpdir(), "edgellm-bench-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function bench(argv: string[]): Promise<string> {
  let out = "";
  await benchCommand(argv, { stdout: (s) => void (out += s), stderr: { isTTY: false, write: () => true } });
  return out;
}

describe("edgellm bench end to end", () => {
  const model = join(dir, "tiny-q8_0.gguf");
  const noTokenizer = join(dir, "no-tokenizer.gguf");
  before(async () => {
    await writeGgufFile(model, synthModel(TINY, { type: GgmlType.Q8_0, seed: 5 }));
    // the same model without its tokenizer: the parent can still pick prompt ids (llama.vocab_size), edgellm cannot load it
    const bytes = readFileSync(model);
    const file = parseGguf(new BufferSource(bytes, model));
    const w = GgufWriter.fromFile(file, (t) => bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize));
    for (const key of [...file.metadata.keys()]) if (key.startsWith("tokenizer.")) w.delete(key);
    await writeGgufFile(noTokenizer, w);
  });

  it("--backend both --json: one sane line per backend; --csv: every run and the medians", async () => {
    const csv = join(dir, "out.csv");
    const out = await bench([
      "-m", model, "--runs", "1", "--warmup", "0", "--prompt-tokens", "8", "--gen-tokens", "4", "--backend", "both",
      "--threads", "1", "--json", "--csv", csv,
    ]);
    const lines = out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.backend), ["edgellm", "llama.cpp"]);
    const fileMb = statSync(model).size / 2 ** 20;
    for (const l of lines) {
      assert.equal(Object.keys(l).length, 18);
      assert.equal(l.model, model);
      assert.equal(l.threads, 1);
      assert.equal(l.prompt_tokens, 8);
      assert.equal(l.gen_tokens, 4);
      for (const k of ["prefill_tok_s", "decode_tok_s", "ttft_ms", "token_ms_p50", "token_ms_p90", "token_ms_p99", "token_ms_max"]) {
        assert.ok(typeof l[k] === "number" && (l[k] as number) > 0 && Number.isFinite(l[k]), `${l.backend} ${k} = ${l[k]}`);
      }
      assert.ok((l.token_ms_p50 as number) <= (l.token_ms_p90 as number) && (l.token_ms_p90 as number) <= (l.token_ms_p99 as number));
      assert.ok((l.token_ms_p99 as number) <= (l.token_ms_max as number));
      assert.ok((l.token_ms_stddev as number) >= 0 && (l.jitter_ms as number) >= 0);
      // a Node process alone is tens of MB; a tiny model must not need GBs
      assert.ok((l.peak_rss_mb as number) > 10 && (l.peak_rss_mb as number) < 2000, `${l.backend} peak RSS ${l.peak_rss_mb}`);
      assert.ok(Math.abs((l.model_mb as number) - fileMb) < 0.01);
      // the machine's jitter floor is measured in edgellm's process only
      if (l.backend === "edgellm") assert.ok((l.floor_p99_p50 as number) >= 1, `floor ${l.floor_p99_p50}`);
      else assert.equal(l.floor_p99_p50, null);
    }
    const rows = readFileSync(csv, "utf8").trimEnd().split("\n");
    assert.equal(rows.length, 1 + 2 * 2, "header + (1 run + median) per backend");
    assert.match(rows[1], /^edgellm,1,/);
    assert.match(rows[2], /^edgellm,median,/);
    assert.match(rows[3], /^llama\.cpp,1,node-llama-cpp/);
  });

  it("several -m files with -f: one row each with type, size, bits per weight, speed, RSS and perplexity", async () => {
    const q4 = join(dir, "tiny-q4_k_m.gguf");
    await quantizeModel(model, q4, { fileType: fileTypeByName("Q4_0"), threads: 1 });
    const text = join(dir, "text.txt");
    writeFileSync(text, "the kiosk opens at nine and closes at six on weekdays. ".repeat(60));
    const common = ["-m", model, "-m", q4, "-f", text, "--ppl-ctx", "32", "--ppl-chunks", "2", "--runs", "1", "--warmup", "0", "--prompt-tokens", "8", "--gen-tokens", "4", "--threads", "1"];
    const table = await bench(common);
    const rows = table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| file"));
    assert.equal(rows.length, 2, table);
    assert.match(rows[0]!, /tiny-q8_0\.gguf \| mostly Q8_0 \| /, "synth files have no general.file_type: the dominant matrix type");
    assert.match(rows[1]!, /tiny-q4_k_m\.gguf \| Q4_0 \| /);
    assert.match(table, /perplexity over .*text\.txt \(2 chunks of 32 tokens/);
    const lines = (await bench([...common, "--json"])).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.file_type), ["mostly Q8_0", "Q4_0"]);
    for (const l of lines) {
      assert.ok((l.perplexity as number) > 1 && (l.decode_tok_s as number) > 0 && (l.peak_rss_mb as number) > 10, JSON.stringify(l));
    }
    assert.ok((lines[1]!.bits_per_weight as number) < (lines[0]!.bits_per_weight as number));
    await assert.rejects(bench([...common, "--backend", "llama.cpp"]), /compared on edgellm alone/);
    await assert.rejects(bench(["-m", model, "-m", model, "--runs", "1"]), /given twice/);
  });

  it("a failing child is one error line naming the backend and the child's last stderr line", async () => {
    await assert.rejects(
      bench(["-m", noTokenizer, "--runs", "1", "--warmup", "0", "--prompt-tokens", "4", "--gen-tokens", "2", "--threads", "1"]),
      (e: unknown) => {
        assert.ok(e instanceof EdgeError);
        assert.equal(e.code, "bench_failed");
        assert.match(e.message, /^edgellm run 1\/1 failed: tokenizer\.ggml\.model is missing/);
        assert.ok(!e.message.includes("\n"));
        return true;
      },
    );
  });

  it("a missing model file fails before any child starts", async () => {
    await assert.rejects(bench(["-m", join(dir, "nope.gguf"), "--runs", "1"]), (e: unknown) => e instanceof EdgeError && /nope\.gguf/.test(e.message));
  });

  it("prompt + generated tokens beyond the model's context are refused", async () => {
    await assert.rejects(
      bench(["-m", model, "--prompt-tokens", "200", "--gen-tokens", "100"]),
      /200 prompt \+ 100 generated tokens exceed the model's context of 256/,
    );
  });

  const llamaBench = (() => {
    try {
      return findLlamaBench();
    } catch {
      return undefined;
    }
  })();
  it("--backend llama-bench: native llama.cpp's throughput, both flash-attention modes, peak RSS", { skip: llamaBench ? false : "llama-bench not built (scripts/build-llama-cpp.sh)" }, async () => {
    const out = await bench(["-m", model, "--runs", "1", "--warmup", "0", "--prompt-tokens", "8", "--gen-tokens", "4", "--backend", "llama-bench", "--threads", "1", "--json"]);
    const l = JSON.parse(out.trim()) as Record<string, number | string | null>;
    assert.equal(l.backend, "llama-bench");
    assert.ok((l.prefill_tok_s as number) > 0 && (l.decode_tok_s as number) > 0);
    assert.equal(l.token_ms_p50, null, "llama-bench gives no per-token times");
    // exact through GNU time; without it a run this short may end before the first VmHWM sample (then null, not 0)
    if (existsSync("/usr/bin/time")) assert.ok((l.peak_rss_mb as number) > 1, `peak RSS ${l.peak_rss_mb}`);
    else assert.ok(l.peak_rss_mb === null || (l.peak_rss_mb as number) > 1, `peak RSS ${l.peak_rss_mb}`);
    const table = await bench(["-m", model, "--runs", "1", "--warmup", "0", "--prompt-tokens", "8", "--gen-tokens", "4", "--backend", "llama-bench", "--threads", "1"]);
    assert.match(table, /flash attention per test .*fa off .*fa on/);
  });
});
