// The plan as people read it (a short table with how each figure is made up) and as programs read it (JSON).
import type { Calibration } from "./calibrate.js";
import type { MemoryBreakdown, MemoryPlan, SpeedEstimate } from "./memory-plan.js";

/** What `edgellm plan` reports: the plan, and when it ran, the calibration with the estimate at its bandwidth. */
export interface PlanReport {
  plan: MemoryPlan;
  calibration?: Calibration;
  /** Why there was no calibration (asked not to, did not fit, an encoder). */
  calibrationSkipped?: string;
  /** The bandwidth estimate at the measured bandwidth (with a calibration that measured one). */
  measuredSpeed?: SpeedEstimate;
}

const MIB = 2 ** 20;
const mib = (b: number) => (b / MIB).toFixed(1);
/** A small byte count in the unit that reads best. */
const small = (b: number) => (b < 1024 ? `${b} B` : b < MIB ? `${(b / 1024).toFixed(1)} KiB` : `${mib(b)} MiB`);

export function formatPlan(r: PlanReport): string {
  const { plan: p } = r;
  const m = p.model;
  const d = p.device;
  const b = p.breakdown;
  const lines = [
    `${m.name} (${m.architecture}): ${m.nLayers} layers, vocabulary ${m.vocabSize}, context ${m.contextLength}, ${m.tensorCount} tensors, ${mib(m.fileBytes)} MiB file`,
    `device: ${d.cores} core${d.cores > 1 ? "s" : ""}, ${mib(d.availableBytes)} MiB available (${d.availableSource}), ${mib(d.totalBytes)} MiB total` +
      (d.cgroupLimitBytes !== undefined ? `, cgroup limit ${mib(d.cgroupLimitBytes)} MiB` : ""),
    `budget: ${mib(p.budget)} MiB (${p.budgetSource}); threads ${p.threads}, batch ${p.batch}, KV cache ${p.kvType}`,
    "",
    ...breakdownLines(p, b, `memory at context ${b.ctx}${p.fits ? "" : " (does not fit)"}`),
    "",
    `minimum (${p.minimumContext}-token context): ${mib(p.minimum.total)} MiB` + (p.minimum.total > p.budget ? ` — more than the budget` : ""),
    p.largestContext === undefined
      ? "largest context that fits: none"
      : `largest context that fits: ${p.largestContext}${p.largestContext === m.contextLength ? " (the model's own)" : ""}` +
        (p.largestBatch !== undefined ? `; largest batch at ${p.ctx}: ${p.largestBatch}` : ""),
    ...speedLines(r),
  ];
  return lines.join("\n") + "\n";
}

function breakdownLines(p: MemoryPlan, b: MemoryBreakdown, title: string): string[] {
  const l = b.parts.load;
  const rt = b.parts.runtime;
  const row = (name: string, bytes: number, how: string) => `  ${name.padEnd(16)} ${mib(bytes).padStart(8)}  ${how}`;
  const kib = (x: number) => (x / 1024).toFixed(1);
  return [
    `${title.padEnd(23)} MiB`,
    row("weights", b.weights, `${p.model.tensorCount} tensors: ${mib(l.tensorDataBytes)} in the file` +
      (l.tensors > l.tensorDataBytes ? ` + ${small(l.tensors - l.tensorDataBytes)} of 64-byte alignment` : ", already 64-byte aligned") +
      (l.modelExtras ? ` + ${small(l.modelExtras)} computed at load` : "")),
    row("KV cache", b.kv, `${b.ctx} positions × ${kib(p.speed.kvBytesPerPosition)} KiB (${p.model.nLayers} layers × K and V, ${p.kvType})`),
    row("scratch", b.scratch, `activations and logits ${mib(b.parts.stateScratch)}, kernel workspace ≤ ${mib(b.parts.workspace)}, wasm reserved ${mib(l.reserved)}` +
      (l.probe ? `, prefetch probe ${mib(l.probe)}` : "")),
    row("runtime", b.runtime, `Node + engine ${mib(rt.base)}, tokenizer ${mib(rt.tokenizer)}` + (rt.workers ? `, worker threads ${mib(rt.workers)}` : "") +
      (rt.youngGeneration ? `, default young generation ${mib(rt.youngGeneration)}` : "")),
    row("total", b.total, `(WebAssembly arena ${mib(b.arena)})`),
  ];
}

function speedLines(r: PlanReport): string[] {
  const c = r.calibration;
  const s = r.measuredSpeed ?? r.plan.speed;
  const out: string[] = [];
  if (c) {
    out.push(`decode: measured ${c.decodeTokS.toFixed(1)} tok/s (median of ${c.steps} steps, ${c.msPerToken.toFixed(1)} ms each, kernels ${c.kernels}; load ${c.loadMs.toFixed(0)} ms)`);
  } else out.push(`decode: not measured (${r.calibrationSkipped ?? "no calibration"})`);
  out.push(
    `  estimate: ${(s.weightBytesPerToken / 1e6).toFixed(1)} MB of weights per token ÷ ${(s.bandwidth / 1e9).toFixed(1)} GB/s ` +
      `(${s.bandwidthSource === "measured" ? "measured by the load's prefetch sweep" : `typical for ${r.plan.threads} thread${r.plan.threads > 1 ? "s" : ""}`}) ` +
      `= ${s.tokSAtStart.toFixed(1)} tok/s at the start, ${s.tokSAtFull.toFixed(1)} tok/s with ${s.ctx} cached positions (+${(s.kvBytesPerPosition / 1024).toFixed(1)} KiB each)`,
  );
  if (c?.peakRssBytes !== undefined) {
    out.push(`  calibration peak RSS ${mib(c.peakRssBytes)} MiB (this process, ${r.plan.minimumContext}-token session; planned ${mib(r.plan.minimum.total)} MiB)`);
  }
  return out;
}

/** The JSON of `edgellm plan --json`: bytes throughout, the breakdowns with their parts. */
export function planJson(r: PlanReport): unknown {
  const p = r.plan;
  const bd = (b: MemoryBreakdown) => ({
    ctx: b.ctx, batch: b.batch, weights: b.weights, kv: b.kv, scratch: b.scratch, runtime: b.runtime, arena: b.arena, total: b.total,
    parts: { ...b.parts.load, stateScratch: b.parts.stateScratch, workspace: b.parts.workspace, runtime: b.parts.runtime },
  });
  return {
    model: p.model, device: p.device, budget: p.budget, budget_source: p.budgetSource, threads: p.threads, batch: p.batch, kv_type: p.kvType,
    ctx: p.ctx, fits: p.fits, largest_context: p.largestContext ?? null, largest_batch: p.largestBatch ?? null,
    minimum_context: p.minimumContext, minimum: bd(p.minimum), breakdown: bd(p.breakdown),
    speed: { estimate: p.speed, measured_estimate: r.measuredSpeed ?? null, calibration: r.calibration ?? null, calibration_skipped: r.calibrationSkipped ?? null },
  };
}
