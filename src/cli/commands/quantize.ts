// `edgellm quantize IN.gguf OUT.gguf TYPE`: llama-quantize's file types and per-tensor mixes, byte-identical output.
import { cpus } from "node:os";
import { EdgeError } from "../../errors.js";
import { ProgressBar } from "../../bench/progress.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import { ggmlTypeName } from "../../tensor/types.js";
import { FILE_TYPES, fileTypeByName } from "../../tools/quant-plan.js";
import { quantizeModel } from "../../tools/quantize.js";
import { helpText, optionalNumber, parseArgs, type OptionSpec } from "../args.js";

/** Tensor types --output-type and --token-embedding-type accept (those with a reference quantizer here). */
const TENSOR_TYPES = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"];

const SPEC: Record<string, OptionSpec> = {
  pure: { type: "boolean", help: "every quantized tensor gets TYPE's default type (no mix rules)" },
  "leave-output": { type: "boolean", help: "leave output.weight as it is (llama-quantize: --leave-output-tensor, also accepted)" },
  "leave-output-tensor": { type: "boolean", help: "the same as --leave-output" },
  "output-type": { type: "string", help: "type of output.weight and of a tied token embedding (llama-quantize: --output-tensor-type, also accepted)" },
  "output-tensor-type": { type: "string", help: "the same as --output-type" },
  "token-embedding-type": { type: "string", help: "type of token_embd.weight" },
  threads: { type: "number", alias: "t", help: "worker threads (default: number of cores)" },
  "allow-requantize": { type: "boolean", help: "accepted for llama-quantize compatibility: quantized inputs are always requantized through f32" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = `edgellm quantize IN.gguf OUT.gguf TYPE [--pure] [--leave-output] [--output-type T] [--token-embedding-type T] [--threads N] [--allow-requantize]
  TYPE: ${FILE_TYPES.map((f) => f.name).join(", ")} (Q3_K, Q4_K, Q5_K = the _M mixes)`;

function tensorType(p: Record<string, unknown>, flag: string): GgmlType | undefined {
  const v = p[flag];
  if (v === undefined) return undefined;
  const name = String(v).toUpperCase();
  if (!TENSOR_TYPES.includes(name)) throw new EdgeError("bad_argument", `--${flag} must be one of ${TENSOR_TYPES.join(", ")}, got "${String(v)}"`);
  return GgmlType[name as keyof typeof GgmlType];
}

export const command = {
  summary: "quantize a GGUF model (llama-quantize's types and mixes, byte-identical output)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p._.length !== 3) throw new EdgeError("bad_argument", `expected IN.gguf OUT.gguf TYPE, got ${p._.length} argument(s) (usage: ${USAGE.split("\n")[0]})`);
    const [input, output, typeName] = p._ as [string, string, string];
    if (input === output) throw new EdgeError("bad_argument", "the output file must differ from the input file");
    const fileType = fileTypeByName(typeName);
    if (p["output-type"] !== undefined && p["output-tensor-type"] !== undefined) throw new EdgeError("bad_argument", "give --output-type or --output-tensor-type, not both");
    const threads = optionalNumber(p, "threads") ?? cpus().length;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new EdgeError("bad_argument", `--threads must be an integer from 1 to 64, got ${threads}`);
    let bar: ProgressBar | undefined;
    try {
      const summary = await quantizeModel(input, output, {
        fileType, threads, pure: p.pure === true, leaveOutput: p["leave-output"] === true || p["leave-output-tensor"] === true,
        outputType: tensorType(p, "output-type") ?? tensorType(p, "output-tensor-type"), tokenEmbeddingType: tensorType(p, "token-embedding-type"),
        onTensor: (done, total, t) => {
          bar ??= new ProgressBar(total);
          bar.update(`${t.info.name} ${ggmlTypeName(t.info.type)} → ${ggmlTypeName(t.target)}`, 1);
        },
      });
      bar?.clear();
      const mb = (b: number) => (b / 2 ** 20).toFixed(1);
      process.stderr.write(
        `[edgellm] quantized ${input} (${mb(summary.inputBytes)} MB) → ${output} (${mb(summary.outputBytes)} MB), ${fileType.name}: ` +
          `${summary.requantized} tensors quantized, ${summary.copied} copied, ${(summary.ms / 1000).toFixed(1)} s on ${threads} thread(s)\n`,
      );
    } finally {
      bar?.clear();
    }
  },
};
