// `edgellm synth`: write a random-weight GGUF with a real model's dimensions (a benchmark subject, no download).
import { EdgeError } from "../../errors.js";
import { ProgressBar } from "../../bench/progress.js";
import { readGgufHeader } from "../../engine.js";
import { writeGgufFile } from "../../io/gguf-file-writer.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { ggmlTypeName } from "../../tensor/types.js";
import { SHAPES, synthModel } from "../../tools/synth.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";

/** Weight types a model file can be made of (quantizable here and loadable by llama.cpp). */
export const SYNTH_TYPES: Record<string, GgmlType> = {
  F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16, Q8_0: GgmlType.Q8_0, Q5_0: GgmlType.Q5_0,
  Q5_1: GgmlType.Q5_1, Q4_0: GgmlType.Q4_0, Q4_1: GgmlType.Q4_1, Q6_K: GgmlType.Q6_K, Q5_K: GgmlType.Q5_K,
  Q4_K: GgmlType.Q4_K, Q3_K: GgmlType.Q3_K, Q2_K: GgmlType.Q2_K, TQ1_0: GgmlType.TQ1_0, TQ2_0: GgmlType.TQ2_0,
};

/**
 * The token embedding of a ternary file, as llama-quantize makes one: Q6_K when it is also the output (tied), Q4_K
 * otherwise; every other matrix is ternary.
 */
function ternaryEmbedding(tied: boolean) {
  return (name: string) => (name === "token_embd.weight" ? (tied ? GgmlType.Q6_K : GgmlType.Q4_K) : name === "output.weight" ? GgmlType.Q6_K : undefined);
}

const SPEC: Record<string, OptionSpec> = {
  shape: { type: "string", alias: "s", help: `model shape: ${Object.keys(SHAPES).join(" | ")}` },
  type: { type: "string", alias: "T", help: `type of every matrix: ${Object.keys(SYNTH_TYPES).join(", ")}` },
  output: { type: "string", alias: "o", help: "output GGUF file" },
  seed: { type: "number", help: "random seed", default: 1 },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm synth --shape NAME --type T -o FILE [--seed N]";

export const command = {
  summary: "write a random-weight model with a real model's shape (for benchmarks)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p._.length > 0) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (the output is given with -o FILE)`);
    const shapeName = requireString(p, "shape", "model shape");
    const shape = SHAPES[shapeName.toLowerCase()];
    if (!shape) throw new EdgeError("bad_argument", `unknown shape "${shapeName}" (known: ${Object.keys(SHAPES).join(", ")})`);
    const typeName = requireString(p, "type", "tensor type");
    const type = SYNTH_TYPES[typeName.toUpperCase()];
    if (type === undefined) throw new EdgeError("bad_argument", `unknown or unsupported type "${typeName}" (supported: ${Object.keys(SYNTH_TYPES).join(", ")})`);
    const out = requireString(p, "output", "output file");
    const seed = optionalNumber(p, "seed")!;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new EdgeError("bad_argument", `--seed must be an integer from 0 to 4294967295, got ${seed}`);

    const ternary = type === GgmlType.TQ1_0 || type === GgmlType.TQ2_0;
    const writer = synthModel(shape, {
      type, seed, name: `edgellm-synth ${shapeName.toLowerCase()} ${ggmlTypeName(type)}`, typeFor: ternary ? ternaryEmbedding(shape.tied) : undefined,
    });
    const total = writer.layout().totalSize;
    const bar = new ProgressBar(total);
    const label = `writing ${out}`;
    bar.update(label);
    // count bytes as they stream out, for the bar
    const write = writer.write.bind(writer);
    writer.write = (sink) => write(async (chunk) => {
      await sink(chunk);
      bar.update(label, chunk.length);
    });
    try {
      await writeGgufFile(out, writer);
    } finally {
      bar.clear();
    }
    process.stderr.write(`[edgellm] wrote ${out}: ${(total / 2 ** 20).toFixed(1)} MB, ${shapeName.toLowerCase()} shape, ${typeSummary(out)}\n`);
  },
};

/** "Q4_K ×168, Q5_0 ×30, F32 ×61": what the file ended up with (K-types fall back on rows not a multiple of 256). */
function typeSummary(path: string): string {
  const counts = new Map<string, number>();
  for (const t of readGgufHeader(path).tensors) {
    const name = ggmlTypeName(t.type);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([n, c]) => `${n} ×${c}`).join(", ");
}
