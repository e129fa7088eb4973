// `edgellm convert hf DIR OUT.gguf` and `edgellm convert llama2c MODEL.bin TOKENIZER.bin OUT.gguf`: foreign checkpoints to GGUF.
import { EdgeError } from "../../errors.js";
import { convertHf, HF_OUT_TYPES, type HfOutType } from "../../tools/convert-hf.js";
import { convertLlama2c } from "../../tools/convert-llama2c.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";

const SPEC: Record<string, OptionSpec> = {
  outtype: { type: "string", help: "hf: type of the matrices: f32 | f16 | bf16 | q8_0 | tq1_0 | tq2_0 (ternary: BitNet checkpoints only; norms and biases stay f32)", default: "f16" },
  pre: { type: "string", help: "hf: tokenizer.ggml.pre to write (default: inferred from tokenizer.json's split pattern)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm convert hf DIR OUT.gguf [--outtype f32|f16|bf16|q8_0|tq1_0|tq2_0] [--pre NAME]\n       edgellm convert llama2c MODEL.bin TOKENIZER.bin OUT.gguf";

export const command = {
  summary: "convert a Hugging Face model directory (safetensors) or a llama2.c checkpoint to GGUF",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const [format, ...files] = p._;
    if (format === "hf") {
      if (files.length !== 2) throw new EdgeError("bad_argument", `usage: ${USAGE.split("\n")[0]}`);
      const outtype = String(p.outtype).toLowerCase();
      if (!(HF_OUT_TYPES as readonly string[]).includes(outtype)) throw new EdgeError("bad_argument", `--outtype must be one of ${HF_OUT_TYPES.join(", ")}, got "${String(p.outtype)}"`);
      const pre = p.pre === undefined ? undefined : String(p.pre);
      const r = await convertHf(files[0]!, files[1]!, { outtype: outtype as HfOutType, pre });
      process.stderr.write(`[edgellm] wrote ${files[1]}: ${r.arch}, ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MB (${outtype})\n`);
      return;
    }
    if (format !== "llama2c") throw new EdgeError("bad_argument", `unknown source format "${format ?? ""}" (supported: hf, llama2c)`);
    if (p.outtype !== "f16" || p.pre !== undefined) throw new EdgeError("bad_argument", "--outtype and --pre are for convert hf");
    if (files.length !== 3) throw new EdgeError("bad_argument", `usage: ${USAGE.split("\n")[1]!.trim()}`);
    const [model, tokenizer, out] = files;
    await convertLlama2c(model!, tokenizer!, out!);
    process.stderr.write(`[edgellm] wrote ${out}\n`);
  },
};
