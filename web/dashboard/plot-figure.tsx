// An Observable Plot chart in the page: built into the page's own document, redrawn at most once a frame while its
// data streams in, with a text alternative for screen readers beside it.
import { useEffect, useRef } from "preact/hooks";

export interface PlotFigureProps {
  /** Builds the chart's element (an SVG, or a figure) into `document` at the given width. */
  build: (document: Document, width: number) => Element;
  /** The chart's accessible name, shown above it unless `title` is false (the chart draws its own). */
  label: string;
  title?: boolean;
  /** What the chart shows, in words (read by screen readers, hidden on screen). */
  summary?: string;
  /** A name for tests and styles: data-chart on the wrapper. */
  chart: string;
}

export function PlotFigure({ build, label, summary, chart, title = true }: PlotFigureProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const el = host.current;
      if (!el) return;
      const width = Math.max(280, Math.floor(el.clientWidth || 600));
      let node: Element;
      try {
        node = build(document, width);
      } catch (e) {
        const p = document.createElement("p");
        p.className = "chart-error";
        p.textContent = e instanceof Error ? e.message : String(e);
        node = p;
      }
      // Plot adds a <style> element; the page's CSP allows no inline style, so its rules live in app.css instead
      for (const s of Array.from(node.querySelectorAll("style"))) s.remove();
      el.replaceChildren(node);
    });
    return () => cancelAnimationFrame(frame);
  }, [build]);
  return (
    <figure class="chart" data-chart={chart} role="group" aria-label={label}>
      {title ? <p class="chart-title" aria-hidden="true">{label}</p> : null}
      <div ref={host} class="chart-host" />
      {summary ? <figcaption class="visually-hidden">{summary}</figcaption> : null}
    </figure>
  );
}
