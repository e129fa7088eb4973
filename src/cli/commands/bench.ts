// `edgellm bench`: prefill/decode speed, per-token latency and peak memory of edgellm and/or llama.cpp on one model,
// or (--backend openai) of OpenAI-compatible servers over HTTP at several concurrency levels.
import { writeFile } from "node:fs/promises";
import { EdgeError } from "../../errors.js";
import { helpText } from "../args.js";
import { collect, readTextFile } from "../common.js";
import { fileFacts, filePerplexity, filesTable, type FileRow } from "../../bench/file-compare.js";
import { BENCH_SPEC, BENCH_USAGE, parseBenchCommand, type BenchCli, type ServeBenchCli } from "../../bench/options.js";
import { ProgressBar, type ProgressSink } from "../../bench/progress.js";
import { jsonLine, toCsv, toTable } from "../../bench/report.js";
import { runBench, UNITS_PER_CHILD } from "../../bench/runner.js";
import { runServeBench, serveBenchUnits } from "../../bench/serve-bench.js";
import { serveCsv, serveJsonLine, serveTable } from "../../bench/serve-report.js";

export interface BenchIo {
  stdout: (s: string) => void;
  stderr: ProgressSink;
}

const PROCESS_IO: BenchIo = { stdout: (s) => void process.stdout.write(s), stderr: process.stderr };

/** Runs the command with the given output streams (tests pass their own). */
export async function benchCommand(argv: string[], io: BenchIo = PROCESS_IO): Promise<void> {
  const models = collect(argv, "-m").concat(collect(argv, "--model"));
  const line = parseBenchCommand(argv);
  if (line.backend === "openai") return serveBench(line.cli, io);
  const cli = line.cli;
  if (cli.help) return io.stdout(helpText(BENCH_USAGE, BENCH_SPEC) + "\n");
  if (models.length > 1 || cli.text) return compareFiles(cli, models, io);
  const o = cli.options;
  const bar = new ProgressBar(o.runs * o.backends.length * UNITS_PER_CHILD, io.stderr);
  let result;
  try {
    result = await runBench(o, { onProgress: (label, steps) => bar.update(label, steps) });
  } finally {
    bar.clear();
  }
  if (cli.csv) await writeCsv(cli.csv, toCsv(result.setup, result.summaries));
  if (cli.json) {
    for (const s of result.summaries) io.stdout(JSON.stringify(jsonLine(result.setup, s)) + "\n");
  } else {
    io.stdout(toTable(result.setup, result.summaries));
  }
}

/** Several files of one model side by side on edgellm (each measured as a one-file run), optionally with perplexity. */
async function compareFiles(cli: BenchCli, models: string[], io: BenchIo): Promise<void> {
  const o = cli.options;
  if (o.backends.length !== 1 || o.backends[0] !== "edgellm") {
    throw new EdgeError("bad_argument", "several -m files (or -f) are compared on edgellm alone: drop --backend, or bench one file against llama.cpp");
  }
  if (new Set(models).size !== models.length) throw new EdgeError("bad_argument", "a file is given twice with -m");
  const text = cli.text ? readTextFile(cli.text.file) : undefined;
  const rows: FileRow[] = [];
  const bar = new ProgressBar(models.length * o.runs * UNITS_PER_CHILD, io.stderr);
  let csv = "";
  try {
    for (const model of models) {
      const result = await runBench({ ...o, model }, { onProgress: (label, steps) => bar.update(`${model}: ${label}`, steps) });
      const summary = result.summaries[0]!;
      const row: FileRow = { model, ...fileFacts(model), summary, setup: result.setup };
      if (text !== undefined) {
        bar.update(`${model}: perplexity`);
        row.perplexity = filePerplexity(model, text, cli.text!.pplCtx, cli.text!.pplChunks, o.threads);
      }
      rows.push(row);
      const part = toCsv(result.setup, result.summaries);
      csv += csv === "" ? part : part.slice(part.indexOf("\n") + 1);
    }
  } finally {
    bar.clear();
  }
  if (cli.csv) await writeCsv(cli.csv, csv);
  const note = cli.text ? `perplexity over ${cli.text.file} (${cli.text.pplChunks} chunks of ${cli.text.pplCtx} tokens, as llama-perplexity)` : undefined;
  if (cli.json) {
    for (const r of rows) {
      io.stdout(JSON.stringify({ ...jsonLine(r.setup, r.summary), file_type: r.fileType, bits_per_weight: r.bitsPerWeight, ...(r.perplexity !== undefined ? { perplexity: r.perplexity } : {}) }) + "\n");
    }
  } else io.stdout(filesTable(rows, note));
}

async function serveBench(cli: ServeBenchCli, io: BenchIo): Promise<void> {
  const bar = new ProgressBar(serveBenchUnits(cli.serve), io.stderr);
  let result;
  try {
    result = await runServeBench(cli.serve, { onProgress: (label, steps) => bar.update(label, steps) });
  } finally {
    bar.clear();
  }
  if (cli.csv) await writeCsv(cli.csv, serveCsv(result.setup, result.summaries));
  if (cli.json) {
    for (const s of result.summaries) io.stdout(JSON.stringify(serveJsonLine(result.setup, s)) + "\n");
  } else {
    io.stdout(serveTable(result.setup, result.summaries));
  }
}

async function writeCsv(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new EdgeError("io_error", `${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export const command = {
  summary: "measure speed, latency and memory (edgellm and/or llama.cpp, or any OpenAI-compatible server)",
  run: (argv: string[]) => benchCommand(argv),
};
