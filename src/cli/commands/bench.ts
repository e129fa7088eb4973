// `edgellm bench`: prefill/decode speed, per-token latency and peak memory of edgellm and/or llama.cpp on one model.
import { writeFile } from "node:fs/promises";
import { EdgeError } from "../../errors.js";
import { helpText } from "../args.js";
import { BENCH_SPEC, BENCH_USAGE, parseBenchArgs } from "../../bench/options.js";
import { ProgressBar, type ProgressSink } from "../../bench/progress.js";
import { jsonLine, toCsv, toTable } from "../../bench/report.js";
import { runBench, UNITS_PER_CHILD } from "../../bench/runner.js";

export interface BenchIo {
  stdout: (s: string) => void;
  stderr: ProgressSink;
}

const PROCESS_IO: BenchIo = { stdout: (s) => void process.stdout.write(s), stderr: process.stderr };

/** Runs the command with the given output streams (tests pass their own). */
export async function benchCommand(argv: string[], io: BenchIo = PROCESS_IO): Promise<void> {
  const cli = parseBenchArgs(argv);
  if (cli.help) return io.stdout(helpText(BENCH_USAGE, BENCH_SPEC) + "\n");
  const o = cli.options;
  const bar = new ProgressBar(o.runs * o.backends.length * UNITS_PER_CHILD, io.stderr);
  let result;
  try {
    result = await runBench(o, { onProgress: (label, steps) => bar.update(label, steps) });
  } finally {
    bar.clear();
  }
  if (cli.csv) {
    try {
      await writeFile(cli.csv, toCsv(result.setup, result.summaries));
    } catch (e) {
      throw new EdgeError("io_error", `${cli.csv}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  if (cli.json) {
    for (const s of result.summaries) io.stdout(JSON.stringify(jsonLine(result.setup, s)) + "\n");
  } else {
    io.stdout(toTable(result.setup, result.summaries));
  }
}

export const command = {
  summary: "measure speed, latency and memory (edgellm and/or llama.cpp)",
  run: (argv: string[]) => benchCommand(argv),
};
