// `edgellm quality -m BASE.gguf -f TEXT --types Q8_0,Q4_K_M,…`: what each quantization type costs, in one table.
import { EdgeError } from "../../errors.js";
import { qualityCsv, qualityMarkdown, qualityTable } from "../../eval/quality.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { positiveInt, readTextFile } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "base GGUF model (F16, BF16 or F32 is best)" },
  file: { type: "string", alias: "f", help: "UTF-8 text file the types are measured on" },
  types: { type: "string", help: "comma-separated quantization types", default: "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0,Q3_K_M,Q2_K" },
  ctx: { type: "number", alias: "c", help: "tokens per chunk", default: 512 },
  chunks: { type: "number", help: "score at most this many chunks" },
  threads: { type: "number", alias: "t", help: "threads (default: number of cores)" },
  format: { type: "string", help: "markdown | csv | json", default: "markdown" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm quality -m BASE.gguf -f TEXT [--types Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0,Q3_K_M,Q2_K] [--ctx N] [--chunks N] [--format markdown|csv|json]";

export const command = {
  summary: "quantize a base model to several types and measure each against it (size, perplexity, KLD, speed)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const model = requireString(p, "model", "base model");
    const textPath = requireString(p, "file", "text file");
    const format = String(p.format);
    if (!["markdown", "csv", "json"].includes(format)) throw new EdgeError("bad_argument", `--format must be markdown, csv or json, got "${format}"`);
    const text = readTextFile(textPath);
    const types = String(p.types).split(",").filter((t) => t !== "");
    if (types.length === 0) throw new EdgeError("bad_argument", "--types needs at least one type");
    const threads = optionalNumber(p, "threads");
    const t = await qualityTable(model, {
      types, text, ctx: positiveInt(p, "ctx")!, chunks: positiveInt(p, "chunks"), threads,
      onRow: (r) => process.stderr.write(`[edgellm] ${r.type}: ${r.mb.toFixed(2)} MB, mean KLD ${r.stats.kldMean.toFixed(6)}\n`),
    });
    if (format === "json") process.stdout.write(JSON.stringify(t) + "\n");
    else process.stdout.write(format === "csv" ? qualityCsv(t) : qualityMarkdown(t));
  },
};
