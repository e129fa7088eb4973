// A one-line progress bar on stderr (redrawn in place; silent when stderr is not a terminal, e.g. in CI logs).

/** The bar's text: `[#####.....]  50% label  12s`. Pure, for tests. */
export function renderBar(done: number, total: number, label: string, elapsedMs: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(frac * width);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct} ${label}  ${(elapsedMs / 1000).toFixed(0)}s`;
}

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export class ProgressBar {
  private done = 0;
  private label = "";
  private readonly start = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly active: boolean;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly out: ProgressSink = process.stderr,
  ) {
    this.active = out.isTTY === true;
    if (this.active) {
      // keep the elapsed time moving during long phases; unref so the bar never keeps the process alive
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  /** Set the label, and advance by `steps` units. */
  update(label: string, steps = 0): void {
    this.label = label;
    this.done += steps;
    this.draw();
  }

  private draw(): void {
    if (!this.active) return;
    const line = renderBar(this.done, this.total, this.label, performance.now() - this.start);
    const max = (this.out.columns || 100) - 1; // 0 when the terminal size is unknown
    this.out.write(`\r${line.slice(0, max)}\x1b[K`);
    this.shown = true;
  }

  /** Remove the bar (before printing results or an error) and stop redrawing. */
  clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.active && this.shown) this.out.write("\r\x1b[K");
    this.shown = false;
  }
}
