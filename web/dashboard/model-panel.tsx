// The model: what `edgellm info` says of its file and the memory plan `edgellm plan` makes at the server's context,
// from GET /dashboard/api/model?id=… .
import { useCallback, useEffect, useState } from "preact/hooks";
import type { GgufInfo } from "../../src/tools/gguf-info.js";
import { formatCount } from "../../src/tools/format-count.js";
import { getJson, reason } from "./api.js";
import { memoryBars } from "./charts.js";
import { PlotFigure } from "./plot-figure.js";
import { fmt, mib } from "./reply-metrics.js";
import type { Strings } from "./strings.js";

interface Breakdown {
  ctx: number;
  weights: number;
  kv: number;
  scratch: number;
  runtime: number;
  total: number;
}

/** The body of GET /dashboard/api/model (src/server/dashboard-api.ts); `plan` is `edgellm plan --json`. */
export interface ModelReport {
  id: string;
  served: { ctx: number; parallel: number; queue: number; kernels: string; weights_bytes: number; slots_bytes: number; chat_template: string };
  info: GgufInfo;
  plan: {
    ctx: number;
    fits: boolean;
    budget: number;
    budget_source: string;
    largest_context: number | null;
    breakdown: Breakdown;
    speed: { estimate: { tokSAtStart: number; tokSAtFull: number; bandwidth: number } };
  };
}

export function ModelPanel({ t, model, keyVersion }: { t: Strings; model: string | undefined; keyVersion: number }) {
  const [report, setReport] = useState<ModelReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    getJson<ModelReport>(`/dashboard/api/model${model ? `?id=${encodeURIComponent(model)}` : ""}`, controller.signal)
      .then(setReport)
      .catch((e) => controller.signal.aborted || setError(reason(e)));
    return () => controller.abort();
  }, [model, keyVersion]);
  const b = report?.plan.breakdown;
  const parts = b ? [
    { part: t.weights, mib: b.weights / 2 ** 20 },
    { part: t.kv, mib: b.kv / 2 ** 20 },
    { part: t.scratch, mib: b.scratch / 2 ** 20 },
    { part: t.runtime, mib: b.runtime / 2 ** 20 },
  ] : [];
  const build = useCallback((doc: Document, width: number) => memoryBars(parts, doc, width, t.memoryChart), [report, t]);
  return (
    <section class="panel model" aria-labelledby="model-title">
      <h2 id="model-title">{t.modelPanel}{report ? `: ${report.id}` : ""}</h2>
      {error ? <p class="error">{error}</p> : null}
      {report ? <ModelFacts t={t} r={report} /> : null}
      {report && b ? (
        <>
          <h3>{t.memoryPlan(b.ctx)}</h3>
          <table class="numbers">
            <tbody>
              {parts.map((p) => <tr key={p.part}><th scope="row">{p.part}</th><td>{fmt(p.mib)} MiB</td></tr>)}
              <tr class="total"><th scope="row">{t.total}</th><td>{mib(b.total)} MiB</td></tr>
              <tr><th scope="row">{t.budget}</th><td>{mib(report.plan.budget)} MiB ({report.plan.budget_source})</td></tr>
              <tr><th scope="row">{t.largestContext}</th><td>{report.plan.largest_context ?? t.none}</td></tr>
              <tr>
                <th scope="row">{t.decodeEstimate}</th>
                <td>{fmt(report.plan.speed.estimate.tokSAtStart)} – {fmt(report.plan.speed.estimate.tokSAtFull)} tok/s at {fmt(report.plan.speed.estimate.bandwidth / 1e9)} GB/s</td>
              </tr>
            </tbody>
          </table>
          <PlotFigure chart="memory" label={t.memoryChart} summary={parts.map((p) => `${p.part} ${fmt(p.mib)} MiB`).join("; ")} build={build} />
        </>
      ) : null}
    </section>
  );
}

function ModelFacts({ t, r }: { t: Strings; r: ModelReport }) {
  const i = r.info;
  return (
    <>
      <table class="numbers">
        <tbody>
          <tr><th scope="row">{t.architecture}</th><td>{i.architecture}{i.name ? ` (${String(i.name)})` : ""}</td></tr>
          <tr><th scope="row">{t.parameters}</th><td>{formatCount(i.parameters)} · {i.tensors} tensors</td></tr>
          <tr><th scope="row">{t.context}</th><td>{i.hyperparameters.context_length ?? "—"} / {r.served.ctx} × {r.served.parallel}</td></tr>
          <tr><th scope="row">{t.fileSize}</th><td>{mib(i.file_bytes)} MiB</td></tr>
          <tr><th scope="row">{t.kernels}</th><td>{r.served.kernels}</td></tr>
        </tbody>
      </table>
      <h3>{t.tensorTypes}</h3>
      <table class="numbers">
        <thead><tr><th scope="col" /><th scope="col">{t.tensorsCol}</th><th scope="col">{t.paramsCol}</th><th scope="col">{t.sizeCol}</th></tr></thead>
        <tbody>
          {Object.entries(i.by_type).map(([type, s]) => (
            <tr key={type}><th scope="row">{type}</th><td>{s.count}</td><td>{formatCount(s.params)}</td><td>{mib(s.bytes)}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
