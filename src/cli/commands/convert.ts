// `edgellm convert llama2c MODEL.bin TOKENIZER.bin OUT.gguf`: foreign checkpoints to GGUF.
import { EdgeError } from "../../errors.js";
import { convertLlama2c } from "../../tools/convert-llama2c.js";
import { helpText, parseArgs, type OptionSpec } from "../args.js";

const SPEC: Record<string, OptionSpec> = { help: { type: "boolean", alias: "h", help: "show this help" } };
const USAGE = "edgellm convert llama2c MODEL.bin TOKENIZER.bin OUT.gguf";

export const command = {
  summary: "convert a llama2.c checkpoint to GGUF",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    const [format, ...files] = p._;
    if (format !== "llama2c") throw new EdgeError("bad_argument", `unknown source format "${format ?? ""}" (supported: llama2c)`);
    if (files.length !== 3) throw new EdgeError("bad_argument", `usage: ${USAGE}`);
    const [model, tokenizer, out] = files;
    await convertLlama2c(model, tokenizer, out);
    process.stderr.write(`[edgellm] wrote ${out}\n`);
  },
};
