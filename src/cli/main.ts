// edgellm command line: dispatches to one module per command; every failure is one line on stderr and exit code 1.
import { EdgeError } from "../errors.js";

type Command = { run(argv: string[]): Promise<void>; summary: string };

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: () => import("./commands/run.js").then((m) => m.command),
  chat: () => import("./commands/chat.js").then((m) => m.command),
  tokenize: () => import("./commands/tokenize.js").then((m) => m.command),
  embed: () => import("./commands/embed.js").then((m) => m.command),
  info: () => import("./commands/info.js").then((m) => m.command),
  perplexity: () => import("./commands/perplexity.js").then((m) => m.command),
  convert: () => import("./commands/convert.js").then((m) => m.command),
  synth: () => import("./commands/synth.js").then((m) => m.command),
  quantize: () => import("./commands/quantize.js").then((m) => m.command),
  quality: () => import("./commands/quality.js").then((m) => m.command),
  bench: () => import("./commands/bench.js").then((m) => m.command),
  alert: () => import("./commands/alert.js").then((m) => m.command),
  grammar: () => import("./commands/grammar.js").then((m) => m.command),
  serve: () => import("./commands/serve.js").then((m) => m.command),
  eval: () => import("./commands/eval.js").then((m) => m.command),
  plan: () => import("./commands/plan.js").then((m) => m.command),
  rag: () => import("./commands/rag.js").then((m) => m.command),
  intent: () => import("./commands/intent.js").then((m) => m.command),
  plot: () => import("./commands/plot.js").then((m) => m.command),
};

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  const args = argv.filter((a) => a !== "--verbose");
  const name = args[0];
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      await printHelp();
      if (!name) await demo();
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) throw new EdgeError("bad_argument", `unknown command "${name}" (try: edgellm --help)`);
    const cmd = await load();
    await cmd.run(args.slice(1));
    return 0;
  } catch (e) {
    reportError(e, verbose);
    return 1;
  }
}

export function reportError(e: unknown, verbose: boolean): void {
  if (e instanceof EdgeError) {
    process.stderr.write(`edgellm: ${e.message} [${e.code}]\n`);
  } else if (e instanceof Error) {
    process.stderr.write(`edgellm: internal error: ${e.message.split("\n")[0]}\n`);
  } else {
    process.stderr.write(`edgellm: ${String(e)}\n`);
  }
  if (verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
}

/** With no arguments: one example of the bundled demo model at work (skipped quietly if it is not installed). */
async function demo(): Promise<void> {
  const { existsSync } = await import("node:fs");
  const { DEFAULT_MODEL_PATH } = await import("./default-model.js");
  if (!existsSync(DEFAULT_MODEL_PATH)) return;
  const example = "Turn off the bedroom lights";
  process.stdout.write(`\nexample: edgellm run -p "${example}"   (the bundled demo model; -m FILE.gguf for your own)\n`);
  const run = (await COMMANDS.run()).run;
  await run(["-p", example, "--temp", "0", "-n", "64"]);
}

async function printHelp(): Promise<void> {
  const lines = ["edgellm — offline LLM inference for small devices", "", "commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${(await load()).summary}`);
  lines.push("", "Run `edgellm COMMAND --help` for the options of a command. --verbose adds stack traces to errors.");
  process.stdout.write(lines.join("\n") + "\n");
}
