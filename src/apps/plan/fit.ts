// Fitting a session into a process budget (run and chat --max-memory): the context to use and the arena budget for
// loadModel, or a one-line does_not_fit error with the numbers when the budget cannot hold even the minimum context.
import { EdgeError } from "../../errors.js";
import type { GgufFile } from "../../format/gguf-types.js";
import { ARENA_LIMIT_BYTES } from "./arena-layout.js";
import type { Device } from "./device.js";
import { planMemory, type MemoryBreakdown, type MemoryPlan, type PlanOptions } from "./memory-plan.js";

export interface SessionFit {
  /** The context: the one asked for, else the largest that fits. */
  ctx: number;
  /** loadModel's memoryBudget: the process budget less what lives outside the arena. */
  arenaBudget: number;
  plan: MemoryPlan;
}

/**
 * The session a `maxMemory`-byte process can hold. The device only fills in defaults (threads); the budget is the
 * caller's. Throws does_not_fit when the minimum context (or the one asked for) does not fit.
 */
export function fitSession(file: GgufFile, maxMemory: number, device: Device, o: Omit<PlanOptions, "maxMemory"> = {}): SessionFit {
  const plan = planMemory(file, device, { ...o, maxMemory });
  if (o.ctx === undefined && plan.largestContext === undefined) throw new EdgeError("does_not_fit", minimumMessage(plan, "model needs"));
  if (!plan.fits) {
    // a context asked for (a shorter one than the minimum may fit where the minimum does not)
    const b = plan.breakdown;
    const [w, s, r] = [mibUp(b.weights), mibUp(b.kv + b.scratch), mibUp(b.runtime)];
    const most = plan.largestContext === undefined ? `not even ${plan.minimumContext} tokens fit` : `at most ${plan.largestContext} tokens fit`;
    throw new EdgeError(
      "does_not_fit",
      `a context of ${b.ctx} tokens needs ${w} MiB of weights + ${s} MiB of KV cache and scratch + ${r} MiB runtime = ${w + s + r} MiB ` +
        `> --max-memory ${mibText(maxMemory)} MiB (${most})`,
    );
  }
  return { ctx: plan.ctx, arenaBudget: maxMemory - plan.breakdown.runtime, plan };
}

/**
 * "model needs X MiB of weights + Y MiB for the minimum 256-token context + Z MiB runtime = T MiB > --max-memory M MiB"
 * (each part rounded up, T their sum), or the wasm32 limit when that is what the minimum exceeds.
 */
export function minimumMessage(plan: Pick<MemoryPlan, "minimum" | "minimumContext" | "budget">, subject: string): string {
  return needsMessage(plan.minimum, plan.minimumContext, plan.budget, subject);
}

export function needsMessage(b: Totals, minimumContext: number, budget: number, subject: string): string {
  const [w, s, r] = [mibUp(b.weights), mibUp(b.kv + b.scratch), mibUp(b.runtime)];
  const head = `${subject} ${w} MiB of weights + ${s} MiB for the minimum ${minimumContext}-token context`;
  if (b.total <= budget && b.arena > ARENA_LIMIT_BYTES) {
    return `${head} = ${w + s} MiB of WebAssembly memory > the ${mibText(ARENA_LIMIT_BYTES)} MiB a wasm32 arena can hold`;
  }
  return `${head} + ${r} MiB runtime = ${w + s + r} MiB > --max-memory ${mibText(budget)} MiB`;
}

/** The parts a refusal names (a MemoryBreakdown, or the sum of several models' for the server). */
export type Totals = Pick<MemoryBreakdown, "weights" | "kv" | "scratch" | "runtime" | "arena" | "total">;

function mibUp(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20);
}

/** A MiB figure as given: whole numbers plain, otherwise one decimal. */
export function mibText(bytes: number): string {
  const m = bytes / 2 ** 20;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}
