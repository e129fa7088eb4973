// `edgellm serve`: an OpenAI- and Ollama-compatible HTTP server on one small device (see README, "Serving").
import { EdgeError } from "../../errors.js";
import { startServer } from "../../server/server.js";
import { parseRagIndexOptions } from "../../server/rag.js";
import { collect, positiveInt } from "../common.js";
import { modelPathOrDefault } from "../default-model.js";
import { serveContext } from "../serve-memory.js";
import { helpText, optionalNumber, parseArgs, type OptionSpec } from "../args.js";

const SPEC: Record<string, OptionSpec> = {
  model: { type: "string", alias: "m", help: "GGUF model file (repeat for several; default: the bundled demo model)" },
  alias: { type: "string", alias: "a", help: "the name clients use for the model given before it (repeat per model)" },
  host: { type: "string", help: "address to bind", default: "127.0.0.1" },
  port: { type: "number", help: "port (0: any free port)", default: 8080 },
  ctx: { type: "number", alias: "c", help: "context tokens per slot (default: the model's, at most 4096)" },
  parallel: { type: "number", alias: "np", help: "sequences generated at once, each with its own KV cache", default: 1 },
  queue: { type: "number", help: "requests that may wait for a slot before new ones are refused (429)", default: 16 },
  batch: { type: "number", alias: "b", help: "prompt tokens evaluated per pass (larger: faster prompts, longer pauses for the others)", default: 256 },
  threads: { type: "number", alias: "t", help: "threads (default: number of cores)" },
  "api-key": { type: "string", help: "require Authorization: Bearer KEY" },
  cors: { type: "string", help: "allow browsers from this origin (or *)" },
  timeout: { type: "number", help: "seconds a request may take, waiting included (0: no limit)", default: 600 },
  "max-memory": { type: "number", help: "MiB for the whole server: without --ctx the slots get the largest context that fits; refused when weights + slots do not fit" },
  "log-format": { type: "string", help: "request log lines on stderr: text | json", default: "text" },
  "rag-index": { type: "string", help: "serve a rag index for POST /v1/rag/ask as NAME=INDEX.json (repeat for several)" },
  "no-dashboard": { type: "boolean", help: "do not serve the dashboard at / (nor the in-browser engine at /browser/)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};
const USAGE = "edgellm serve [-m FILE …] [--alias NAME …] [--host 127.0.0.1] [--port 8080] [--ctx N] [--parallel N] [--queue N] [--threads N] [--api-key KEY] [--cors ORIGIN] [--timeout SECONDS] [--max-memory MB] [--no-dashboard]";

export const command = {
  summary: "serve models over OpenAI- and Ollama-compatible HTTP (and WebSocket)",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (models are given with -m FILE)`);
    const models = collect(argv, "--model").concat(collect(argv, "-m"));
    const aliases = collect(argv, "--alias").concat(collect(argv, "-a"));
    const port = optionalNumber(p, "port")!;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EdgeError("bad_argument", `--port must be 0–65535, got ${port}`);
    const logFormat = String(p["log-format"]);
    if (logFormat !== "text" && logFormat !== "json") throw new EdgeError("bad_argument", `--log-format must be text or json, got "${logFormat}"`);
    const timeout = optionalNumber(p, "timeout")!;
    if (!(timeout >= 0)) throw new EdgeError("bad_argument", `--timeout must be a number of seconds ≥ 0, got ${timeout}`);
    const maxMemory = optionalNumber(p, "max-memory");
    if (maxMemory !== undefined && !(maxMemory > 0)) throw new EdgeError("bad_argument", `--max-memory must be a positive number of MiB, got ${maxMemory}`);
    const queue = optionalNumber(p, "queue")!;
    if (!Number.isInteger(queue) || queue < 0) throw new EdgeError("bad_argument", `--queue must be a non-negative integer, got ${queue}`);
    const parallel = positiveInt(p, "parallel")!;
    const ctx = positiveInt(p, "ctx");
    const chunk = positiveInt(p, "batch");
    const threads = positiveInt(p, "threads");
    const ragIndexes = parseRagIndexOptions(collect(argv, "--rag-index"));
    // --max-memory without --ctx: the largest slot context that fits (refused with the numbers when 256 tokens do not)
    const fittedCtx = ctx ?? (maxMemory === undefined ? undefined : serveContext(models.length ? models : [modelPathOrDefault(undefined)], { maxMemory: maxMemory * 2 ** 20, parallel, chunk, threads }));
    // a signal during loading stops the server as soon as it is up
    let stopRequested: string | undefined;
    let stop = (signal: string) => void (stopRequested = signal);
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    const server = await startServer({
      models: models.length ? models : [modelPathOrDefault(undefined)],
      aliases,
      host: String(p.host),
      port,
      ctx: fittedCtx,
      parallel,
      queue,
      chunk,
      threads,
      apiKey: typeof p["api-key"] === "string" ? p["api-key"] : undefined,
      cors: typeof p.cors === "string" ? p.cors : undefined,
      timeout,
      maxMemory: maxMemory === undefined ? undefined : maxMemory * 2 ** 20,
      logFormat,
      ragIndexes,
      dashboard: p["no-dashboard"] === true ? false : undefined,
    });
    await new Promise<void>((resolve) => {
      stop = (signal: string) => {
        process.stderr.write(`[edgellm] ${signal}: stopping (running requests may finish for 10 s)\n`);
        void server.close(10_000).then(resolve);
      };
      if (stopRequested) stop(stopRequested);
    });
  },
};
