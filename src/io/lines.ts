// JSON-lines input as it arrives (alert events, evaluation data): bytes split at "\n", each line decoded as strict
// UTF-8 (a broken byte is an error for that line, never a silent U+FFFD inside a name), with a size cap so one runaway
// line cannot eat memory.

export type InputLine =
  | { line: number; text: string }
  | { line: number; error: "too_long" | "bad_utf8" };

/** 64 KiB: far above any real event, far below trouble. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Lines of a byte stream, numbered from 1; blank lines are numbered but not yielded. */
export async function* readLines(chunks: AsyncIterable<Uint8Array | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let parts: Uint8Array[] = [];
  let size = 0;
  let tooLong = false;
  let n = 0;
  const finish = (): InputLine | undefined => {
    n++;
    const bytes = concat(parts, size);
    parts = [];
    size = 0;
    if (tooLong) {
      tooLong = false;
      return { line: n, error: "too_long" };
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { line: n, error: "bad_utf8" };
    }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    return text.trim() === "" ? undefined : { line: n, text };
  };
  for await (const chunk of chunks) {
    const buf = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    let start = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
      add(buf.subarray(start, i));
      const l = finish();
      if (l) yield l;
      start = i + 1;
    }
    add(buf.subarray(start));
  }
  if (size > 0 || tooLong) {
    const l = finish();
    if (l) yield l;
  }

  function add(piece: Uint8Array): void {
    if (tooLong || piece.length === 0) return;
    if (size + piece.length > maxBytes) {
      tooLong = true; // keep reading to the newline, but drop the bytes
      parts = [];
      size = 0;
      return;
    }
    parts.push(piece.slice()); // a copy: the stream may reuse its buffer
    size += piece.length;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
