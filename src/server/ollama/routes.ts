// The Ollama API on the edgellm server, so that clients configured for Ollama (Home Assistant, Open WebUI, the
// `ollama` libraries) work unchanged: /api/version, /api/tags, /api/ps, /api/show, /api/chat, /api/generate,
// /api/embed and /api/embeddings. Errors on these routes are Ollama's `{"error": "..."}` (see app.ts).
import type { FastifyInstance } from "fastify";
import type { ContextSlot } from "../app.js";
import { chat } from "./chat.js";
import { embed, embeddings } from "./embed.js";
import { generate } from "./generate.js";
import { CHAT_BODY, EMBED_BODY, EMBEDDINGS_BODY, GENERATE_BODY, SHOW_BODY } from "./schemas.js";
import { ps, show, tags, version } from "./show.js";

export function registerOllama(app: FastifyInstance, slot: ContextSlot): void {
  void app.register(async (api) => {
    // Ollama reads every body as JSON whatever its Content-Type (`curl -d '{…}'` sends a form type): so do these routes
    api.removeAllContentTypeParsers();
    api.addContentTypeParser("*", { parseAs: "string" }, api.getDefaultJsonParser("error", "error"));

    api.get("/api/version", async () => version());
    api.get("/api/tags", async () => tags(slot.current!));
    api.get("/api/ps", async () => ps(slot.current!));
    api.post("/api/show", { schema: { body: SHOW_BODY } }, async (request) => show(slot.current!, request as never));
    api.post("/api/chat", { schema: { body: CHAT_BODY } }, (request, reply) => chat(slot.current!, request as never, reply));
    api.post("/api/generate", { schema: { body: GENERATE_BODY } }, (request, reply) => generate(slot.current!, request as never, reply));
    api.post("/api/embed", { schema: { body: EMBED_BODY } }, (request, reply) => embed(slot.current!, request as never, reply));
    api.post("/api/embeddings", { schema: { body: EMBEDDINGS_BODY } }, (request, reply) => embeddings(slot.current!, request as never, reply));
  });
}
