// Entry point of one benchmark child process: receives a WorkerRequest over IPC, runs it, sends back one result.
// A fresh process per run keeps measurements independent and makes its peak RSS that of this run alone.
import { EdgeError } from "../errors.js";
import { runEdgellm } from "./edgellm-driver.js";
import { runLlamaBench } from "./llama-bench-driver.js";
import { runLlamaCpp } from "./llamacpp-driver.js";
import type { WorkerMessage, WorkerRequest } from "./protocol.js";

function send(msg: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function handle(req: WorkerRequest): Promise<void> {
  // Progress is sent only between phases, never inside the timed loop.
  const onPhase = (phase: "loaded" | "warm") => void send({ type: "progress", phase });
  const run = req.backend === "edgellm" ? runEdgellm : req.backend === "llama-bench" ? runLlamaBench : runLlamaCpp;
  const result = await run(req, onPhase);
  await send({ type: "result", result });
}

if (!process.send) {
  process.stderr.write("edgellm bench worker: must be started by `edgellm bench` (needs an IPC channel)\n");
  process.exit(2);
}

process.once("message", (req: WorkerRequest) => {
  handle(req).then(
    () => process.exit(0),
    async (e: unknown) => {
      const message = e instanceof EdgeError ? e.message : e instanceof Error ? `internal error: ${e.message.split("\n")[0]}` : String(e);
      process.stderr.write(`${message}\n`);
      await send({ type: "error", message });
      // exit at once: worker threads or native threads must not keep a failed run alive
      process.exit(1);
    },
  );
});
