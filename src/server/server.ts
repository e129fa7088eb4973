// `edgellm serve` as a library call: listen, load the models (while /health says 503), print the one line
// "listening on http://HOST:PORT", and on SIGINT / SIGTERM stop accepting, let running requests finish (cancelled
// after a grace period), and close.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildApp, type AppOptions, type ContextSlot } from "./app.js";
import { ServerContext, type ContextOptions } from "./context.js";
import { ServedModels, type ServeModelOptions } from "./served-models.js";
import { attachWebSocket } from "./ws.js";

export interface ServeOptions extends AppOptions, ServeModelOptions, ContextOptions {
  models: string[];
  aliases?: string[];
  host?: string;
  port?: number;
  /** Called with the app before it listens (e.g. to add routes). */
  extend?: (app: FastifyInstance, slot: ContextSlot) => void | Promise<void>;
  /** Stderr line writer (default process.stderr). */
  announce?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  context: ServerContext;
  /** Stop accepting; running requests get `graceMs` to finish, then they are cancelled. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const slot: ContextSlot = {};
  const app = await buildApp(slot, o);
  await o.extend?.(app, slot);
  attachWebSocket(app, slot, o); // /v1/ws
  const host = o.host ?? "127.0.0.1";
  await app.listen({ host, port: o.port ?? 8080 });
  let models: ServedModels;
  try {
    models = await ServedModels.load(o.models, o.aliases ?? [], o);
  } catch (e) {
    await app.close();
    throw e;
  }
  const context = new ServerContext(models, o);
  slot.current = context;
  const addr = app.server.address() as AddressInfo;
  const url = `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  (o.announce ?? ((l) => void process.stderr.write(l + "\n")))(`listening on ${url}`);
  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      const stopAccepting = app.close(); // new connections refused at once; open ones end when their replies do
      const cancel = setTimeout(() => void models.close("cancel"), graceMs);
      await models.close("finish");
      clearTimeout(cancel);
      await stopAccepting;
    })());
  return { url, app, context, close };
}
