// Native llama.cpp as the speed peer: one run of its own `llama-bench` tool (built by scripts/build-llama-cpp.sh from
// the release node-llama-cpp ships), on the same file, threads, prompt and decode lengths as edgellm's run. Prefill is
// llama-bench's pp test from an empty cache; decode its tg test after a context of the prompt's length (-d), which is
// where edgellm's decode steps run. Both flash-attention modes are measured and the better one is kept per test.
// llama-bench reports throughput only: per-token latencies are not measured for this backend.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EdgeError } from "../errors.js";
import type { RunMeasurement, WorkerRequest } from "./protocol.js";

// GNU time reports a child's peak RSS from wait4(), which polling /proc cannot catch for short runs
const GNU_TIME = "/usr/bin/time";

/** The llama-bench binary: --llama-bench, EDGELLM_LLAMA_BENCH, or what scripts/build-llama-cpp.sh built. */
export function findLlamaBench(given?: string): string {
  const candidates = given ? [given] : process.env.EDGELLM_LLAMA_BENCH ? [process.env.EDGELLM_LLAMA_BENCH] : cacheCandidates();
  for (const c of candidates) if (existsSync(c)) return c;
  throw new EdgeError(
    "bench_failed",
    given || process.env.EDGELLM_LLAMA_BENCH
      ? `llama-bench not found at ${candidates[0]}`
      : "llama-bench not found: build it with scripts/build-llama-cpp.sh, or give --llama-bench PATH (or EDGELLM_LLAMA_BENCH)",
  );
}

function cacheCandidates(): string[] {
  const cache = process.env.EDGELLM_LLAMA_CPP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "edgellm", "llama.cpp");
  return ["build-noamx", "build"].map((b) => join(cache, b, "bin", "llama-bench"));
}

interface LlamaBenchResult {
  n_prompt: number;
  n_gen: number;
  n_depth?: number;
  flash_attn?: boolean | number;
  avg_ts: number;
  samples_ts?: number[];
  cpu_info?: string;
  build_commit?: string;
}

export async function runLlamaBench(req: WorkerRequest, onPhase: (phase: "loaded" | "warm") => void): Promise<RunMeasurement> {
  const bin = findLlamaBench(req.llamaBench);
  const P = req.promptIds.length;
  const N = req.genTokens;
  const common = ["-m", req.model, "-t", String(req.threads), "-r", "1", "-o", "json", "-fa", "0,1"];
  const t0 = performance.now();
  onPhase("loaded");
  // llama-bench warms up by itself (one untimed run per test) unless told not to
  if (req.warmup === 0) common.push("--no-warmup");
  const pp = await runTool(bin, [...common, "-p", String(P), "-n", "0", "-d", "0"]);
  onPhase("warm");
  const tg = await runTool(bin, [...common, "-p", "0", "-n", String(N), "-d", String(P)]);
  const loadMs = performance.now() - t0;
  const best = (rs: LlamaBenchResult[], what: string) => {
    if (!rs.length) throw new EdgeError("bench_failed", `llama-bench reported no ${what} test`);
    return rs.reduce((a, b) => (b.avg_ts > a.avg_ts ? b : a));
  };
  const ppBest = best(pp.results.filter((r) => r.n_prompt === P && r.n_gen === 0), "prompt");
  const tgBest = best(tg.results.filter((r) => r.n_gen === N && r.n_prompt === 0), "generation");
  const fa = (r: LlamaBenchResult) => (r.flash_attn === true || r.flash_attn === 1 ? "on" : "off");
  const byMode = (rs: LlamaBenchResult[]) => Object.fromEntries(rs.map((r) => [`fa ${fa(r)}`, r.avg_ts]));
  const prefillTokS = ppBest.avg_ts;
  const decodeTokS = tgBest.avg_ts;
  return {
    backend: "llama-bench",
    kernels: `llama.cpp ${ppBest.build_commit ?? "?"} native`,
    loadMs,
    prefillMs: (P * 1000) / prefillTokS,
    ttftMs: (P * 1000) / prefillTokS,
    tokenMs: [],
    tokens: [],
    peakRssKiB: Math.max(pp.peakRssKiB, tg.peakRssKiB),
    rates: { prefillTokS, decodeTokS, prefillByMode: byMode(pp.results), decodeByMode: byMode(tg.results) },
  };
}

/**
 * Run llama-bench and parse its JSON. Its peak RSS comes from the kernel's accounting through GNU time where the
 * machine has it (exact even for runs of a few milliseconds), else from polling VmHWM while it runs; 0 means not seen.
 */
function runTool(bin: string, args: string[]): Promise<{ results: LlamaBenchResult[]; peakRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const rssFile = existsSync(GNU_TIME) ? join(mkdtempSync(join(tmpdir(), "edgellm-llama-bench-")), "maxrss") : undefined;
    const child = rssFile ? spawn(GNU_TIME, ["-f", "%M", "-o", rssFile, bin, ...args], { stdio: ["ignore", "pipe", "pipe"] }) : spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, vmHwmKiB(child.pid))), 20);
    const timed = () => {
      if (!rssFile) return 0;
      try {
        const kib = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
        return Number.isFinite(kib) ? kib : 0;
      } catch {
        return 0;
      } finally {
        rmSync(dirname(rssFile), { recursive: true, force: true });
      }
    };
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err = (err + s).slice(-4000)));
    child.on("error", (e) => {
      clearInterval(poll);
      reject(new EdgeError("bench_failed", `cannot run ${bin}: ${e.message}`));
    });
    child.on("exit", (code, signal) => {
      clearInterval(poll);
      peak = Math.max(peak, timed());
      if (code !== 0) {
        const last = err.trim().split("\n").pop() ?? "";
        return reject(new EdgeError("bench_failed", `llama-bench ${signal ? `was killed by ${signal}` : `exited with ${code}`}${last ? `: ${last}` : ""}`));
      }
      try {
        resolve({ results: JSON.parse(out) as LlamaBenchResult[], peakRssKiB: peak });
      } catch {
        reject(new EdgeError("bench_failed", "llama-bench printed no JSON"));
      }
    });
  });
}

function vmHwmKiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
