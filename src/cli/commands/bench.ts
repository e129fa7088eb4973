// `edgellm bench`: prefill/decode speed, per-token latency and peak memory of edgellm and/or llama.cpp on one model,
// or (--backend openai) of OpenAI-compatible servers over HTTP at several concurrency levels.
import { writeFile } from "node:fs/promises";
import { EdgeError } from "../../errors.js";
import { helpText } from "../args.js";
import { BENCH_SPEC, BENCH_USAGE, parseBenchCommand, type ServeBenchCli } from "../../bench/options.js";
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
  const line = parseBenchCommand(argv);
  if (line.backend === "openai") return serveBench(line.cli, io);
  const cli = line.cli;
  if (cli.help) return io.stdout(helpText(BENCH_USAGE, BENCH_SPEC) + "\n");
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
