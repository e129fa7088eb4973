// Live metrics: the current reply (tokens/s, time to first token, a dot per token of its latency) and the server
// (queue, slots, memory), polled from GET /dashboard/api/status once a second while the page is visible.
import { useCallback, useEffect, useState } from "preact/hooks";
import { median, percentile } from "../../src/bench/stats.js";
import { getJson, reason } from "./api.js";
import { tokenStrip } from "./charts.js";
import { PlotFigure } from "./plot-figure.js";
import { fmt, mib, tokensPerSecond, ttftMs, type ReplyMetrics } from "./reply-metrics.js";
import type { Strings } from "./strings.js";

/** The body of GET /dashboard/api/status (src/server/dashboard-api.ts). */
export interface ServerStatus {
  models: { id: string; parallel: number; busy_slots: number; queued: number; queue_limit: number; memory_bytes: number }[];
  queue_depth: number;
  busy_slots: number;
  total_slots: number;
  process: { rss_bytes: number; heap_used_bytes: number; heap_total_bytes: number; uptime_s: number };
  requests_served: number;
  tokens_generated: number;
  bench_running: boolean;
}

const POLL_MS = 1000;

/** The status, polled while the page is visible (a hidden tab costs the server nothing). */
export function useServerStatus(keyVersion: number): { status?: ServerStatus; error?: string } {
  const [state, setState] = useState<{ status?: ServerStatus; error?: string }>({});
  useEffect(() => {
    let timer: number | undefined;
    let stopped = false;
    const poll = async () => {
      timer = undefined;
      if (document.visibilityState !== "visible") return;
      try {
        const status = await getJson<ServerStatus>("/dashboard/api/status");
        if (!stopped) setState({ status });
      } catch (e) {
        if (!stopped) setState((s) => ({ status: s.status, error: reason(e) }));
      }
      if (!stopped) timer = window.setTimeout(poll, POLL_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible" && timer === undefined) void poll();
    };
    document.addEventListener("visibilitychange", onVisibility);
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [keyVersion]);
  return state;
}

function uptime(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${Math.floor(s % 60)} s` : `${Math.floor(s)} s`;
}

export function MetricsPanel({ t, reply, keyVersion }: { t: Strings; reply: ReplyMetrics | undefined; keyVersion: number }) {
  const { status, error } = useServerStatus(keyVersion);
  const points = reply?.points ?? [];
  const gaps = points.filter((p) => !p.first).map((p) => p.ms);
  const build = useCallback(
    (doc: Document, width: number) => tokenStrip(points, doc, width, { first: t.firstToken, later: t.laterTokens }, t.stripTitle),
    [points, t],
  );
  const summary = gaps.length
    ? t.stripSummary(points.length, fmt(median(gaps)), fmt(percentile(gaps, 100)))
    : points.length ? t.stripSummary(points.length, "—", "—") : t.noReply;
  return (
    <section class="panel metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title">{t.metrics}</h2>
      <dl class="stats">
        <div><dt>{t.tokS}</dt><dd data-metric="tok-s">{fmt(reply && tokensPerSecond(reply))}</dd></div>
        <div><dt>{t.ttft}</dt><dd data-metric="ttft">{reply && ttftMs(reply) !== undefined ? `${fmt(ttftMs(reply))} ms` : "—"}</dd></div>
        <div>
          <dt>{t.tokens}</dt>
          <dd data-metric="tokens" data-count={points.length} data-server-count={reply?.serverTokens ?? ""}>
            {points.length}
            {reply?.serverTokens !== undefined ? <small> ({t.serverTokens(reply.serverTokens)})</small> : null}
          </dd>
        </div>
      </dl>
      <PlotFigure chart="token-strip" label={t.stripTitle} summary={summary} build={build} />
      <h3>{t.server}</h3>
      {error ? <p class="error">{t.statusFailed(error)}</p> : null}
      {status ? (
        <dl class="stats" data-status="server">
          <div><dt>{t.queue}</dt><dd data-metric="queue">{status.queue_depth}</dd></div>
          <div><dt>{t.busy}</dt><dd data-metric="busy">{status.busy_slots} / {status.total_slots}</dd></div>
          <div><dt>{t.rss}</dt><dd>{mib(status.process.rss_bytes)} MiB</dd></div>
          <div><dt>{t.heap}</dt><dd>{mib(status.process.heap_used_bytes)} / {mib(status.process.heap_total_bytes)} MiB</dd></div>
          <div><dt>{t.uptime}</dt><dd>{uptime(status.process.uptime_s)}</dd></div>
          <div><dt>{t.requests}</dt><dd data-metric="requests">{status.requests_served}</dd></div>
          <div><dt>{t.generated}</dt><dd data-metric="generated">{status.tokens_generated}</dd></div>
        </dl>
      ) : null}
    </section>
  );
}
