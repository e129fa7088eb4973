// --max-memory end to end: `edgellm run` in a child process on a synthesized model of a few tens of MB chooses the
// planned context and its peak RSS stays under the budget; a budget below the minimum is refused with the numbers
// (run and serve); `edgellm plan` prints the same plan.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readGgufHeader } from "../src/engine.js";
import { readDevice } from "../src/apps/plan/device.js";
import { planMemory, type MemoryPlan } from "../src/apps/plan/memory-plan.js";
import { ENGINE_NODE_FLAGS } from "../src/bench/runner.js";
import { peakRssKiB } from "../src/bench/server-process.js";
import { writeGgufFile } from "../src/io/gguf-file-writer.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { synthModel, type SynthShape } from "../src/tools/synth.js";
import { repoRoot } from "./helpers/fixtures.js";
import { tempDir } from "./helpers/models.js";

const BIN = join(repoRoot, "bin", "edgellm.js");
const GNU_TIME = "/usr/bin/time";
const MIB = 2 ** 20;
const THREADS = 2;
const PROMPT = "Turn off the bedroom lights and tell me what the sensors in the kitchen said this morning";

/** ~24 MB of Q8_0 weights; 9 KiB of f16 KV cache per position, so a budget a little over the minimum binds the context. */
const SHAPE: SynthShape = {
  arch: "llama", dim: 384, nLayers: 6, nHeads: 6, nKvHeads: 6, ffnDim: 1024, vocabSize: 32000, contextLength: 8192,
  ropeBase: 10000, normEps: 1e-5, tied: true,
};

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS in KiB: GNU time's kernel figure where present, else VmHWM polled every 10 ms. */
  peakKiB: number;
}

/** Runs the edgellm bin as the command line does (its Node flags), measuring the child's peak RSS. */
function edgellmPeak(args: string[]): Promise<Child> {
  const node = [...ENGINE_NODE_FLAGS, BIN, ...args];
  const dir = existsSync(GNU_TIME) ? mkdtempSync(join(tmpdir(), "edgellm-plan-rss-")) : undefined;
  const rssFile = dir && join(dir, "maxrss");
  const child = rssFile ? spawn(GNU_TIME, ["-f", "%M", "-o", rssFile, process.execPath, ...node]) : spawn(process.execPath, node);
  let stdout = "";
  let stderr = "";
  let polled = 0;
  const poll = setInterval(() => (polled = Math.max(polled, peakRssKiB(child.pid!) ?? 0)), 10);
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      let peakKiB = polled;
      if (rssFile) {
        peakKiB = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
        rmSync(dir!, { recursive: true, force: true });
      }
      resolve({ code, stdout, stderr, peakKiB });
    });
  });
}

/** A one-line failure with a non-zero exit. */
function oneLine(r: { code: number | null; stderr: string }): string {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  return lines[0]!;
}

/** The plan a child running the bin makes for `maxMiB` (same device, threads, and the bin's young generation). */
function planFor(path: string, maxMiB: number): MemoryPlan {
  return planMemory(readGgufHeader(path), readDevice(), { maxMemory: maxMiB * MIB, threads: THREADS, smallYoungGeneration: true });
}

const NEEDS = /^edgellm: model needs (\d+) MiB of weights \+ (\d+) MiB for the minimum 256-token context \+ (\d+) MiB runtime = (\d+) MiB > --max-memory (\d+) MiB \[does_not_fit\]$/;

describe("--max-memory", () => {
  let model: string;
  let minimumMiB: number;
  before(async () => {
    model = join(tempDir(), "plan-cli.gguf");
    await writeGgufFile(model, synthModel(SHAPE, { type: GgmlType.Q8_0, seed: 3 }));
    minimumMiB = planFor(model, 1e6).minimum.total / MIB;
  });

  it("run: the largest context that fits is used, and peak RSS stays under --max-memory", async () => {
    const budget = Math.ceil(minimumMiB * 1.2); // the minimum + 20%: room for a few thousand positions, not all 8192
    const plan = planFor(model, budget);
    assert.ok(plan.largestContext! > 256 && plan.largestContext! < SHAPE.contextLength, `planned ${plan.largestContext}`);
    const r = await edgellmPeak(["run", "-m", model, "--max-memory", String(budget), "-p", PROMPT, "-n", "16", "--temp", "0", "--threads", String(THREADS)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`, ctx ${plan.largestContext},`));
    assert.ok(r.peakKiB > 0, "peak RSS measured");
    assert.ok(r.peakKiB / 1024 <= budget, `peak RSS ${(r.peakKiB / 1024).toFixed(1)} MiB > --max-memory ${budget} MiB`);
  });

  it("run: a budget below the minimum is refused in one line with the numbers, before loading", async () => {
    const budget = Math.floor(minimumMiB) - 8;
    const r = await edgellmPeak(["run", "-m", model, "--max-memory", String(budget), "-p", PROMPT, "-n", "16"]);
    const m = NEEDS.exec(oneLine(r));
    assert.ok(m, r.stderr);
    const [w, s, rt, t, mm] = m.slice(1).map(Number);
    const min = planFor(model, budget).minimum;
    assert.deepEqual([w, s, rt], [min.weights, min.kv + min.scratch, min.runtime].map((b) => Math.ceil(b / MIB)));
    assert.equal(t, w! + s! + rt!);
    assert.equal(mm, budget);
    assert.ok(r.peakKiB / 1024 < minimumMiB - 15, `refused before reading weights (peak ${(r.peakKiB / 1024).toFixed(0)} MiB)`);
  });

  it("run: --ctx beyond what fits is refused, naming how many tokens would", () => {
    const budget = Math.ceil(minimumMiB * 1.2);
    const r = spawnSync(process.execPath, [...ENGINE_NODE_FLAGS, BIN, "run", "-m", model, "--max-memory", String(budget), "--ctx", "8192", "-p", "x", "--threads", String(THREADS)], { encoding: "utf8", timeout: 30_000 });
    assert.match(oneLine({ code: r.status, stderr: r.stderr }), /a context of 8192 tokens needs .* > --max-memory \d+ MiB \(at most \d+ tokens fit\) \[does_not_fit\]$/);
  });

  it("serve: refused the same way before it listens", () => {
    const r = spawnSync(process.execPath, [...ENGINE_NODE_FLAGS, BIN, "serve", "-m", model, "--max-memory", "64", "--port", "0"], { encoding: "utf8", timeout: 30_000 });
    const line = oneLine({ code: r.status, stderr: r.stderr });
    assert.match(line, NEEDS);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it("edgellm plan: the same plan as JSON, and the text with a calibration run", () => {
    const budget = Math.ceil(minimumMiB * 1.2);
    // the command module run as main.ts runs it
    const run = (args: string[]) => spawnSync(process.execPath, [
      ...ENGINE_NODE_FLAGS, "--input-type=module", "-e",
      `const { command } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, "dist/src/cli/commands/plan.js")).href)}); await command.run(${JSON.stringify(args)});`,
    ], { encoding: "utf8", timeout: 30_000 });
    const j = run(["-m", model, "--max-memory", String(budget), "--threads", String(THREADS), "--no-calibrate", "--json"]);
    assert.equal(j.status, 0, j.stderr);
    const out = JSON.parse(j.stdout);
    const plan = planFor(model, budget);
    assert.equal(out.ctx, plan.largestContext);
    assert.equal(out.breakdown.weights, plan.breakdown.weights);
    assert.equal(out.breakdown.kv, plan.breakdown.kv);
    assert.equal(out.minimum.total, plan.minimum.total);
    assert.equal(out.speed.calibration, null);
    const t = run(["-m", model, "--threads", String(THREADS), "--ctx", "1024"]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /memory at context 1024/);
    assert.match(t.stdout, /^ {2}weights +\d+\.\d /m);
    assert.match(t.stdout, /decode: measured \d+\.\d tok\/s/);
    assert.match(t.stdout, /estimate: [\d.]+ MB of weights per token ÷ [\d.]+ GB\/s/);
  });
});
