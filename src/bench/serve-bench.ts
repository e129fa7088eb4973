// `edgellm bench --backend openai`: benchmarks OpenAI-compatible servers (a running one by URL, and/or `edgellm serve`
// and native llama-server started here on the same file) at several concurrency levels, servers interleaved run by run.
import { EdgeError } from "../errors.js";
import { readGgufHeader } from "../engine.js";
import type { GgufFile } from "../format/gguf-types.js";
import { FastRng } from "../tools/synth.js";
import { apiBase, listModels, promptTokensOf, streamCompletion, type Endpoint, type StreamTiming } from "./http-driver.js";
import { benchPromptIds, modelFacts } from "./model-facts.js";
import { peakRssKiB, startEdgellmServe, startLlamaServer, type ServerLaunch, type StartedServer } from "./server-process.js";
import { requestSample, summarizeLevel, type LevelRun, type LevelSummary, type ServeSetup, type TargetInfo } from "./serve-report.js";

export interface ServeBenchOptions {
  /** A server that is already running (benched as it is). */
  url?: string;
  /** PID of the --url server, for its peak RSS. */
  serverPid?: number;
  /** Start `edgellm serve` on this GGUF file. */
  serveModel?: string;
  /** Also start this llama-server binary on the same file, threads and slots. */
  llamaServer?: string;
  llamaServerArgs: string[];
  /** The GGUF file the servers run (token-id prompts come from its vocabulary). */
  gguf?: string;
  prompt: "ids" | "text";
  /** The `model` field of requests to --url (default: the first model the server lists). */
  modelName?: string;
  apiKey?: string;
  concurrency: number[];
  promptTokens: number;
  genTokens: number;
  runs: number;
  warmup: number;
  /** Threads and slots of the servers bench starts. */
  threads: number;
  parallel: number;
}

export interface ServeBenchEvents {
  onProgress?(label: string, steps: number): void;
}

export interface ServeBenchResult {
  setup: ServeSetup;
  summaries: LevelSummary[];
}

interface Target {
  info: TargetInfo;
  ep: Endpoint;
  pid?: number;
  /** Text prompts: the shape that makes promptTokens tokens on this server. */
  text?: TextShape;
}

/** Decode tokens of a warm-up request: enough to run every code path once, cheap. */
export const WARMUP_TOKENS = 8;
const REQUEST_TIMEOUT_MS = 600_000;

/** Progress units: one per measured run of one server at one level. */
export function serveBenchUnits(o: ServeBenchOptions): number {
  return o.concurrency.length * o.runs * ((o.url ? 1 : 0) + (o.serveModel ? 1 : 0) + (o.llamaServer ? 1 : 0));
}

/** Context tokens per slot of the servers bench starts: prompt + generated + a little, in steps of 256 (as llama.cpp pads). */
export function ctxPerSlot(promptTokens: number, genTokens: number, modelContext: number): number {
  return Math.min(modelContext, Math.ceil((promptTokens + genTokens + 8) / 256) * 256);
}

export async function runServeBench(o: ServeBenchOptions, events: ServeBenchEvents = {}): Promise<ServeBenchResult> {
  const file: GgufFile | undefined = o.gguf ? readGgufHeader(o.gguf) : undefined;
  const facts = file ? modelFacts(file) : undefined;
  if (facts && o.promptTokens + o.genTokens > facts.contextLength) {
    throw new EdgeError("bad_argument", `${o.promptTokens} prompt + ${o.genTokens} generated tokens exceed the model's context of ${facts.contextLength}`);
  }
  if (o.serverPid !== undefined && peakRssKiB(o.serverPid) === undefined) {
    throw new EdgeError("bad_argument", `--server-pid ${o.serverPid}: /proc/${o.serverPid}/status has no VmHWM (no such local process?)`);
  }
  const started: StartedServer[] = [];
  try {
    const targets: Target[] = [];
    if (o.url) targets.push(await externalTarget(o));
    if (o.serveModel || o.llamaServer) {
      const launch: ServerLaunch = {
        model: o.serveModel!, threads: o.threads, parallel: o.parallel, ctxPerSlot: ctxPerSlot(o.promptTokens, o.genTokens, facts?.contextLength ?? 4096),
      };
      const queue = Math.max(16, ...o.concurrency);
      if (o.serveModel) started.push(await startEdgellmServe(launch, queue));
      if (o.llamaServer) started.push(await startLlamaServer(o.llamaServer, launch, o.llamaServerArgs));
      for (const s of started) targets.push(await startedTarget(s, o));
    }
    const prompts = new Prompts(o, file);
    for (const t of targets) if (o.prompt === "text") t.text = await calibrateText(t.ep, o.promptTokens);

    const summaries: LevelSummary[] = [];
    for (let li = 0; li < o.concurrency.length; li++) {
      const c = o.concurrency[li];
      for (const t of targets) {
        for (let w = 0; w < o.warmup; w++) {
          events.onProgress?.(`${t.info.label} concurrency ${c}: warming up`, 0);
          await round(t, prompts.round(t, li, -1 - w, c), Math.min(o.genTokens, WARMUP_TOKENS), `${t.info.label} warm-up at concurrency ${c}`, o.prompt);
        }
      }
      const runs = new Map<Target, LevelRun[]>(targets.map((t) => [t, []]));
      for (let run = 1; run <= o.runs; run++) {
        for (const t of targets) {
          const label = `${t.info.label} concurrency ${c} run ${run}/${o.runs}`;
          events.onProgress?.(label, 0);
          const batch = prompts.round(t, li, run, c);
          const timings = await round(t, batch, o.genTokens, label, o.prompt);
          runs.get(t)!.push({
            requests: timings.map((tm, k) => requestSample(tm, typeof batch[k] === "string" ? o.promptTokens : batch[k].length)),
            peakRssKiB: t.pid !== undefined ? peakRssKiB(t.pid) : undefined,
          });
          events.onProgress?.(label, 1);
        }
      }
      for (const t of targets) summaries.push(summarizeLevel(t.info.label, c, runs.get(t)!, o.genTokens));
    }
    return {
      setup: {
        targets: targets.map((t) => t.info), concurrency: o.concurrency, promptTokens: o.promptTokens, genTokens: o.genTokens,
        runs: o.runs, warmup: o.warmup, prompt: o.prompt, gguf: o.gguf,
      },
      summaries,
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

async function externalTarget(o: ServeBenchOptions): Promise<Target> {
  const base = apiBase(o.url!);
  const models = await listModels({ base, apiKey: o.apiKey });
  const model = o.modelName ?? models?.[0]?.id;
  const servedBy = models?.find((m) => m.id === model)?.ownedBy;
  const label = new URL(base).host;
  return { info: { label, url: base, pid: o.serverPid, servedBy, model }, ep: { base, apiKey: o.apiKey, model }, pid: o.serverPid };
}

async function startedTarget(s: StartedServer, o: ServeBenchOptions): Promise<Target> {
  const base = apiBase(s.url);
  const models = await listModels({ base });
  return {
    info: { label: s.label, url: base, command: s.command, pid: s.pid, servedBy: models?.[0]?.ownedBy },
    ep: { base, apiKey: o.apiKey },
    pid: s.pid,
  };
}

/** `prompts.length` streamed requests sent together; the first failure aborts the others and is one error line. */
async function round(t: Target, prompts: (number[] | string)[], maxTokens: number, label: string, mode: "ids" | "text"): Promise<StreamTiming[]> {
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
  try {
    const timings = await Promise.all(
      prompts.map((prompt) =>
        streamCompletion(t.ep, { prompt, maxTokens, signal }).catch((e: unknown) => {
          abort.abort();
          throw e;
        }),
      ),
    );
    for (const tm of timings) if (!tm.chunkAt.length) throw new EdgeError("bench_failed", "the server streamed no text");
    return timings;
  } catch (e) {
    const msg = e instanceof EdgeError ? e.message : String((e as Error)?.message ?? e);
    const hint = mode === "ids" && /HTTP (400|422)/.test(msg) ? " (does the server take token-id prompts? try --prompt text)" : "";
    throw new EdgeError("bench_failed", `${label} failed: ${msg}${hint}`);
  }
}

/**
 * The same prompts for every server, none sharing a prefix with another (so no server answers from a cached prefix).
 * Token ids: request k of run r at level l has its own seed. Text: the calibrated word sequence, rotated to start at a
 * different word for every request (the same words, so about the same token count; rotation 0 was the calibration's).
 */
class Prompts {
  private readonly index = new Map<string, number>();

  constructor(private readonly o: ServeBenchOptions, private readonly file: GgufFile | undefined) {}

  /** The prompts of one round of `n` requests (run < 0: warm-up rounds). */
  round(t: Target, level: number, run: number, n: number): (number[] | string)[] {
    const out: (number[] | string)[] = [];
    for (let k = 0; k < n; k++) {
      if (this.o.prompt === "ids") {
        out.push(benchPromptIds(this.file!, this.o.promptTokens, promptSeed(level, run, k)));
        continue;
      }
      const key = `${level}/${run}/${k}`;
      if (!this.index.has(key)) this.index.set(key, this.index.size);
      const shape = t.text ?? { words: this.o.promptTokens, pad: 0 };
      out.push(promptText(shape, CALIBRATION_SEED, shape.words > 1 ? 1 + (this.index.get(key)! % (shape.words - 1)) : 0));
    }
    return out;
  }
}

/** A 32-bit seed that differs in its high bits for neighbouring inputs (xorshift's first draws follow the high bits). */
export function promptSeed(level: number, run: number, k: number): number {
  let h = Math.imul(level + 1, 0x9e3779b1) ^ Math.imul(run + 1000, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0 || 1;
}

const WORDS = (
  "the of and to in is was for on that with as by at from his her it an were are which this be or has had not but " +
  "first one their its new after who they have two been she other when time all during into school year city also " +
  "more only over world many some most used would about these later may where such war three between then team life " +
  "under while music known film state part both system than water house light river early high each north south"
).split(" ");

/**
 * `shape.words` ordinary English words drawn with `seed` (about one token each in most vocabularies), rotated to start
 * at word `rotate`, then `shape.pad` one-token fillers (" a").
 */
export function promptText(shape: TextShape, seed: number, rotate = 0): string {
  const rng = new FastRng(seed);
  const out: string[] = [];
  for (let i = 0; i < shape.words; i++) out.push(WORDS[Math.floor(rng.uniform() * WORDS.length)]);
  return [...out.slice(rotate), ...out.slice(0, rotate)].join(" ") + " a".repeat(shape.pad);
}

const CALIBRATION_SEED = 0x7e47;

/** The text prompt's shape on one server: `words` drawn words, then `pad` times " a" to reach the count exactly. */
export interface TextShape {
  words: number;
  pad: number;
}

/**
 * The text shape that makes `tokens` prompt tokens on this server, from usage.prompt_tokens of one-token requests:
 * whole words up to the count (scaled by tokens per word, then word by word), then one-token fillers for the rest.
 * The closest shape is kept when no shape hits the count (the report then shows the counts the server reported).
 */
export async function calibrateText(ep: Endpoint, tokens: number): Promise<TextShape> {
  const counts = new Map<string, number>();
  const count = async (sh: TextShape) => {
    const key = `${sh.words}+${sh.pad}`;
    if (!counts.has(key)) counts.set(key, await promptTokensOf(ep, promptText(sh, CALIBRATION_SEED)));
    return counts.get(key)!;
  };
  // whole words: scale by the tokens per word seen, then step to the most words that do not pass the count
  let words = tokens;
  for (let i = 0; i < 3; i++) {
    const n = await count({ words, pad: 0 });
    if (n === tokens) return { words, pad: 0 };
    words = Math.max(1, Math.round((words * tokens) / Math.max(1, n)));
  }
  for (let i = 0; i < 8 && words > 1 && (await count({ words, pad: 0 })) > tokens; i++) words--;
  for (let i = 0; i < 8 && (await count({ words: words + 1, pad: 0 })) <= tokens; i++) words++;
  // then fillers for the tokens still missing
  const n0 = await count({ words, pad: 0 });
  let best = { words, pad: 0, off: Math.abs(n0 - tokens) };
  let pad = Math.max(0, tokens - n0);
  for (let i = 0; i < 4 && pad > 0 && best.off > 0; i++) {
    const n = await count({ words, pad });
    if (Math.abs(n - tokens) < best.off) best = { words, pad, off: Math.abs(n - tokens) };
    pad = Math.max(0, pad + tokens - n);
  }
  return { words: best.words, pad: best.pad };
}
