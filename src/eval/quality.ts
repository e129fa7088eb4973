// `edgellm quality`: one base model quantized to several types, each measured against the base on the same text —
// size, bits per weight, perplexity, KL divergence, top-token agreement and decode speed — in one table.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel, readGgufHeader, type LoadedModel } from "../engine.js";
import { argmax } from "../runtime/sampler.js";
import type { GgufFile } from "../format/gguf-types.js";
import { fileTypeByName } from "../tools/quant-plan.js";
import { quantizeModel } from "../tools/quantize.js";
import { klDivergence, type KldStats } from "./kl-divergence.js";
import { chunkBos } from "./perplexity.js";

export interface QualityRow {
  type: string;
  mb: number;
  bitsPerWeight: number;
  decodeTokS: number;
  stats: KldStats;
}

export interface QualityOptions {
  types: string[];
  text: string;
  ctx: number;
  chunks?: number;
  threads?: number;
  /** Greedy decode steps timed per type (after an 8-token prompt). */
  decodeSteps?: number;
  onRow?: (row: QualityRow) => void;
}

/** Bits per weight of a model: tensor data bits over tensor elements. */
export function bitsPerWeight(file: GgufFile): number {
  let bytes = 0, elements = 0;
  for (const t of file.tensors) {
    bytes += t.byteSize;
    elements += t.dims.reduce((a, b) => a * b, 1);
  }
  return (8 * bytes) / elements;
}

function decodeSpeed(lm: LoadedModel, steps: number): number {
  const s = lm.createSession({ ctx: steps + 16 });
  s.eval(Int32Array.from({ length: 8 }, (_, i) => (i * 7919) % lm.config.vocabSize));
  let tok = argmax(s.lastLogits());
  for (let i = 0; i < 8; i++) tok = argmax(s.step(tok)); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) tok = argmax(s.step(tok));
  return (steps * 1000) / (performance.now() - t0);
}

export async function qualityTable(basePath: string, opts: QualityOptions): Promise<{ base: QualityRow; rows: QualityRow[] }> {
  for (const t of opts.types) fileTypeByName(t); // every name checked before any work
  const dir = mkdtempSync(join(tmpdir(), "edgellm-quality-"));
  const base = loadModel(basePath, { threads: opts.threads });
  const steps = opts.decodeSteps ?? 64;
  try {
    const all = base.tokenizer.encode(opts.text);
    const tokens = opts.chunks ? all.slice(0, opts.chunks * opts.ctx) : all;
    const bos = chunkBos(base.tokenizer);
    const sessionOpts = { ctx: opts.ctx, batch: Math.min(64, opts.ctx), allLogits: true };
    const measure = (type: string, path: string, lm: LoadedModel): QualityRow => ({
      type, mb: statSync(path).size / 2 ** 20, bitsPerWeight: bitsPerWeight(readGgufHeader(path)), decodeTokS: decodeSpeed(lm, steps),
      stats: klDivergence(lm.createSession(sessionOpts), base.createSession(sessionOpts), tokens, opts.ctx, bos),
    });
    const baseRow = measure("base", basePath, base);
    const rows: QualityRow[] = [];
    for (const type of opts.types) {
      const path = join(dir, `${type}.gguf`);
      await quantizeModel(basePath, path, { fileType: fileTypeByName(type), threads: opts.threads });
      const lm = loadModel(path, { threads: opts.threads });
      try {
        const row = measure(fileTypeByName(type).name, path, lm);
        rows.push(row);
        opts.onRow?.(row);
      } finally {
        lm.dispose();
        rmSync(path, { force: true });
      }
    }
    return { base: baseRow, rows };
  } finally {
    base.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEADER = ["type", "MB", "bits/weight", "perplexity", "Δ perplexity", "mean KLD", "99% KLD", "same top %", "decode tok/s"];

function cells(r: QualityRow): string[] {
  const s = r.stats;
  return [r.type, r.mb.toFixed(2), r.bitsPerWeight.toFixed(2), `${s.ppl.toFixed(4)} ± ${s.pplUnc.toFixed(4)}`,
    `${s.pplDiff >= 0 ? "+" : ""}${s.pplDiff.toFixed(4)} ± ${s.pplDiffUnc.toFixed(4)}`, `${s.kldMean.toFixed(6)} ± ${s.kldUnc.toFixed(6)}`,
    s.kldP99.toFixed(5), `${(100 * s.sameTop).toFixed(2)} ± ${(100 * s.sameTopUnc).toFixed(2)}`, r.decodeTokS.toFixed(1)];
}

export function qualityMarkdown(t: { base: QualityRow; rows: QualityRow[] }): string {
  const lines = [`| ${HEADER.join(" | ")} |`, `|${HEADER.map(() => "---").join("|")}|`];
  for (const r of [t.base, ...t.rows]) lines.push(`| ${cells(r).join(" | ")} |`);
  return lines.join("\n") + "\n";
}

export function qualityCsv(t: { base: QualityRow; rows: QualityRow[] }): string {
  const keys = ["type", "mb", "bits_per_weight", "ppl", "ppl_unc", "ppl_diff", "ppl_diff_unc", "kld_mean", "kld_unc", "kld_p99", "kld_median", "same_top", "decode_tok_s"];
  const rows = [t.base, ...t.rows].map((r) => [r.type, r.mb, r.bitsPerWeight, r.stats.ppl, r.stats.pplUnc, r.stats.pplDiff, r.stats.pplDiffUnc,
    r.stats.kldMean, r.stats.kldUnc, r.stats.kldP99, r.stats.kldMedian, r.stats.sameTop, r.decodeTokS].join(","));
  return [keys.join(","), ...rows].join("\n") + "\n";
}
