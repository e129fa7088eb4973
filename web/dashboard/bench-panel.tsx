// Benchmarks: `edgellm bench --json` / `--csv` files opened in the page (parsed here with src/plot's parser, charted
// with `edgellm plot`'s bar chart), and a short bench run on the server through its scheduler.
import { useCallback, useMemo, useState } from "preact/hooks";
import { formatValue, barChart } from "../../src/plot/bar-chart.js";
import { resultRows, type ResultRow } from "../../src/plot/bench-results.js";
import { postJson, reason } from "./api.js";
import { latencyHistogram, latencyQuantiles, rowsWithLatencies, tokenStrip } from "./charts.js";
import { PlotFigure } from "./plot-figure.js";
import { fmt } from "./reply-metrics.js";
import type { Strings } from "./strings.js";

/** The bars drawn for every opened file, in this order. */
const METRICS = ["decode_tok_s", "prefill_tok_s", "token_ms_p50", "token_ms_p99", "peak_rss_mb"];

/** The body of POST /dashboard/api/bench (src/server/dashboard-api.ts). */
interface ShortBench {
  model: string;
  prompt_tokens: number;
  gen_tokens: number;
  prefill_tok_s: number | null;
  decode_tok_s: number | null;
  ttft_ms: number;
  token_ms_p50: number | null;
  token_ms_p99: number | null;
  token_ms: number[];
}

export function BenchPanel({ t, model }: { t: Strings; model: string | undefined }) {
  const [rows, setRows] = useState<ResultRow[]>([]);
  const [fileError, setFileError] = useState<string | undefined>();

  async function open(files: FileList | null) {
    setFileError(undefined);
    if (!files?.length) return setRows([]);
    try {
      setRows(resultRows(await Promise.all(Array.from(files, async (f) => ({ name: f.name, text: await f.text() })))));
    } catch (e) {
      setRows([]);
      setFileError(reason(e));
    }
  }

  return (
    <section class="panel bench" aria-labelledby="bench-title">
      <h2 id="bench-title">{t.benchmarks}</h2>
      <label class="field">
        <span>{t.openResults}</span>
        <input type="file" multiple accept=".json,.jsonl,.csv,application/json,text/csv" onChange={(e) => void open(e.currentTarget.files)} />
      </label>
      <p class="hint">{t.openHint}</p>
      {fileError ? <p class="error" role="alert">{fileError}</p> : null}
      {rows.length ? <BenchCharts t={t} rows={rows} /> : null}
      <ShortBenchForm t={t} model={model} />
    </section>
  );
}

function BenchCharts({ t, rows }: { t: Strings; rows: ResultRow[] }) {
  const timed = useMemo(() => rowsWithLatencies(rows), [rows]);
  const quantiles = useCallback((doc: Document, width: number) => latencyQuantiles(timed, doc, width, t.latencyQuantiles), [timed, t]);
  return (
    <div class="bench-charts">
      {METRICS.map((metric) => <MetricBars key={metric} t={t} rows={rows} metric={metric} />)}
      {timed.length ? (
        <PlotFigure
          chart="bench-latency" label={t.latencyQuantiles} build={quantiles}
          summary={timed.map((r) => `${r.label}: p50 ${r.values.token_ms_p50}, p90 ${r.values.token_ms_p90}, p99 ${r.values.token_ms_p99}, max ${r.values.token_ms_max} ms`).join("; ")}
        />
      ) : null}
    </div>
  );
}

/** One bar per row that measured `metric` (llama-bench has no per-token times, for one). */
function MetricBars({ t, rows, metric }: { t: Strings; rows: ResultRow[]; metric: string }) {
  const measured = useMemo(() => rows.filter((r) => typeof r.values[metric] === "number"), [rows, metric]);
  const title = t.chartTitles[metric] ?? metric;
  const build = useCallback(
    (doc: Document, width: number) => barChart(measured, { metric, width, height: 110 + 36 * measured.length, title }, doc),
    [measured, metric, title],
  );
  if (!measured.length) return <p class="hint">{t.notMeasured(metric)}</p>;
  const summary = measured.map((r) => `${r.label}: ${formatValue(r.values[metric] as number)}`).join("; ");
  return <PlotFigure chart={`bench-${metric}`} label={title} title={false} summary={summary} build={build} />;
}

function ShortBenchForm({ t, model }: { t: Strings; model: string | undefined }) {
  const [promptTokens, setPromptTokens] = useState("64");
  const [genTokens, setGenTokens] = useState("32");
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ShortBench | undefined>();
  const [error, setError] = useState<string | undefined>();

  async function run(e: Event) {
    e.preventDefault();
    setRunning(true);
    setError(undefined);
    try {
      setResult(await postJson<ShortBench>("/dashboard/api/bench", { model, prompt_tokens: Number(promptTokens), gen_tokens: Number(genTokens) }));
    } catch (err) {
      setError(reason(err));
    } finally {
      setRunning(false);
    }
  }

  const points = useMemo(() => (result?.token_ms ?? []).map((ms, i) => ({ n: i + 1, ms, first: false })), [result]);
  const strip = useCallback((doc: Document, width: number) => tokenStrip(points, doc, width, { first: t.firstToken, later: t.laterTokens }, t.benchStripTitle), [points, t]);
  const histogram = useCallback((doc: Document, width: number) => latencyHistogram(result?.token_ms ?? [], doc, width, t.histogram), [result, t]);
  return (
    <form class="short-bench" onSubmit={(e) => void run(e)}>
      <h3>{t.runShortBench}</h3>
      <p class="hint">{t.shortBenchHint}</p>
      <div class="row">
        <label class="field small">
          <span>{t.promptTokens}</span>
          <input type="number" min="1" max="256" step="1" value={promptTokens} onInput={(e) => setPromptTokens(e.currentTarget.value)} />
        </label>
        <label class="field small">
          <span>{t.genTokens}</span>
          <input type="number" min="1" max="128" step="1" value={genTokens} onInput={(e) => setGenTokens(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={running}>{running ? t.running : t.run}</button>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {result ? (
        <div class="bench-result" data-result="short-bench">
          <p role="status">{result.model}: {t.benchResult(fmt(result.prefill_tok_s), fmt(result.decode_tok_s), fmt(result.ttft_ms))}</p>
          <PlotFigure chart="short-bench-strip" label={t.benchStripTitle} build={strip}
            summary={`${result.token_ms.length} tokens; p50 ${fmt(result.token_ms_p50)} ms; p99 ${fmt(result.token_ms_p99)} ms`} />
          <PlotFigure chart="short-bench-histogram" label={t.histogram} build={histogram} />
        </div>
      ) : null}
    </form>
  );
}
