// Server-sent events on a hijacked Fastify reply: headers (Fastify's own, such as CORS, included), one `data:` line
// per chunk, `[DONE]` at the end, and a signal when the client goes away so the generation can be cancelled.
import type { FastifyReply, FastifyRequest } from "fastify";

export class SseStream {
  private closed = false;
  /** Aborted when the client disconnects before the stream ended. */
  readonly gone = new AbortController();

  constructor(private readonly request: FastifyRequest, private readonly reply: FastifyReply, contentType = "text/event-stream") {
    reply.hijack();
    const raw = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v as string | number | string[];
    raw.writeHead(200, { ...headers, "content-type": `${contentType}; charset=utf-8`, "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    const onClose = () => {
      if (!this.closed) this.gone.abort();
      this.closed = true;
    };
    onClientGone(reply, onClose);
    void request;
  }

  get isOpen(): boolean {
    return !this.closed && !this.reply.raw.destroyed;
  }

  /** One SSE event with a JSON payload (`data: {...}`). */
  send(payload: unknown): void {
    this.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** One NDJSON line (Ollama's streaming format). */
  line(payload: unknown): void {
    this.write(JSON.stringify(payload) + "\n");
  }

  write(text: string): void {
    if (!this.isOpen) return;
    this.reply.raw.write(text);
  }

  /** `data: [DONE]` (OpenAI's end marker) when asked, then the end of the response. */
  end(done = true): void {
    if (done) this.write("data: [DONE]\n\n");
    this.closed = true;
    if (!this.reply.raw.writableEnded) this.reply.raw.end();
  }
}

/**
 * Calls `f` when the connection closes before the response was finished (the client went away). Not the request's
 * own "close": Node emits that as soon as the body has been read.
 */
export function onClientGone(reply: FastifyReply, f: () => void): void {
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) f();
  });
}
