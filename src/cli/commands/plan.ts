// `edgellm plan`: what a model needs on this device — memory by part, the largest context and batch that fit, and the
// decode speed to expect (a short calibration run unless --no-calibrate, and a bandwidth estimate).
import { EdgeError } from "../../errors.js";
import { readGgufHeader } from "../../engine.js";
import type { KvType } from "../../kernels/types.js";
import { calibrate } from "../../apps/plan/calibrate.js";
import { readDevice } from "../../apps/plan/device.js";
import { atBandwidth, planMemory } from "../../apps/plan/memory-plan.js";
import { formatPlan, planJson, type PlanReport } from "../../apps/plan/report.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { positiveInt } from "../common.js";

const KV_TYPES: readonly KvType[] = ["f16", "f32"];

const SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file" },
  "max-memory": { type: "number", help: "MiB the whole process may use (default: this device's available memory)" },
  threads: { type: "number", alias: "t", help: "threads (default: number of cores)" },
  ctx: { type: "number", alias: "c", help: "plan this context (default: the largest that fits)" },
  batch: { type: "number", alias: "b", help: "prompt tokens per forward pass", default: 64 },
  "kv-type": { type: "string", help: `KV cache element type: ${KV_TYPES.join(" | ")}`, default: "f16" },
  "no-calibrate": { type: "boolean", help: "skip the calibration run (no weights are read)" },
  json: { type: "boolean", help: "print the plan as JSON (bytes)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm plan -m FILE [--max-memory MB] [--threads N] [--ctx N] [--batch N] [--kv-type f16|f32] [--no-calibrate] [--json]";

export const command = {
  summary: "plan memory, context and speed of a model on this device",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (the model is given with -m FILE)`);
    const path = requireString(p, "model", "model file");
    const maxMemory = optionalNumber(p, "max-memory");
    if (maxMemory !== undefined && !(maxMemory > 0)) throw new EdgeError("bad_argument", `--max-memory must be a positive number of MiB, got ${maxMemory}`);
    const threads = positiveInt(p, "threads");
    if (threads !== undefined && threads > 64) throw new EdgeError("bad_argument", `--threads must be an integer from 1 to 64, got ${threads}`);
    const kvType = String(p["kv-type"]) as KvType;
    if (!KV_TYPES.includes(kvType)) throw new EdgeError("bad_argument", `--kv-type must be ${KV_TYPES.join(" or ")}, got "${kvType}"`);

    const device = readDevice();
    const file = readGgufHeader(path);
    const plan = planMemory(file, device, {
      maxMemory: maxMemory === undefined ? undefined : maxMemory * 2 ** 20,
      threads, ctx: positiveInt(p, "ctx"), batch: positiveInt(p, "batch"), kvType,
    });
    const report: PlanReport = { plan };
    const skip = p["no-calibrate"] === true ? "--no-calibrate"
      : !plan.model.causal ? "an encoder does not decode"
      : plan.minimum.total > device.availableBytes ? "the minimum does not fit this device's available memory"
      : undefined;
    if (skip) report.calibrationSkipped = skip;
    else {
      const c = calibrate(path, { threads: plan.threads, ctx: plan.minimumContext });
      report.calibration = c;
      if (c.bandwidth !== undefined) report.measuredSpeed = atBandwidth(plan.speed, c.bandwidth, "measured");
    }
    process.stdout.write(p.json === true ? JSON.stringify(planJson(report)) + "\n" : formatPlan(report));
  },
};
