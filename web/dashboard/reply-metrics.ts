// What the live-metrics panel shows of the reply being generated: one point per token, timed in this page as each
// token arrives (SSE chunk or browser-engine step), whichever engine produced it.

export interface TokenPoint {
  /** 1-based token number in the reply. */
  n: number;
  /** Milliseconds since the previous token (the first: since the request was sent, so it includes the prompt). */
  ms: number;
  first: boolean;
}

export interface ReplyMetrics {
  source: "server" | "browser";
  /** performance.now() when the request was sent. */
  startedAt: number;
  firstAt?: number;
  lastAt?: number;
  points: TokenPoint[];
  /** usage.completion_tokens, when the server sent it. */
  serverTokens?: number;
  done: boolean;
}

export function newReply(source: ReplyMetrics["source"], now = performance.now()): ReplyMetrics {
  return { source, startedAt: now, points: [], done: false };
}

/** `count` tokens arrived together at `now` (the first of them takes the whole gap, the rest none). */
export function withTokens(r: ReplyMetrics, count: number, now = performance.now()): ReplyMetrics {
  if (count <= 0) return r;
  const points = r.points.slice();
  let previous = r.lastAt ?? r.startedAt;
  for (let k = 0; k < count; k++) {
    points.push({ n: points.length + 1, ms: now - previous, first: points.length === 0 });
    previous = now;
  }
  return { ...r, points, firstAt: r.firstAt ?? now, lastAt: now };
}

export function ttftMs(r: ReplyMetrics): number | undefined {
  return r.firstAt === undefined ? undefined : r.firstAt - r.startedAt;
}

/** Tokens per second after the first token (the first one waits for the prompt). */
export function tokensPerSecond(r: ReplyMetrics): number | undefined {
  if (r.points.length < 2 || r.firstAt === undefined || r.lastAt === undefined || r.lastAt <= r.firstAt) return undefined;
  return ((r.points.length - 1) * 1000) / (r.lastAt - r.firstAt);
}

/** Three significant digits at most; "—" for nothing. */
export function fmt(x: number | null | undefined, digits = 1): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return "—";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

