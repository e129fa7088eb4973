// Servers that `edgellm bench --backend openai` starts itself: `edgellm serve` or native llama-server as a child
// process on a free port, waited for until it answers, stopped afterwards; and the peak RSS of a local server process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { EdgeError } from "../errors.js";
import { childExecArgv, lastLine } from "./runner.js";

export interface StartedServer {
  /** "edgellm serve" or "llama-server". */
  label: string;
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** The command line, as a person would type it (for the report). */
  command: string;
  stop(): Promise<void>;
}

/** What both kinds of server are started with: the same file, threads, slots and context per slot. */
export interface ServerLaunch {
  model: string;
  threads: number;
  parallel: number;
  /** Context tokens per slot. */
  ctxPerSlot: number;
}

const READY_TIMEOUT_MS = 300_000;

/** Peak resident set size of a process (VmHWM in /proc/PID/status), KiB; undefined where /proc has no such entry. */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port that was free a moment ago (llama-server needs a number; edgellm serve takes --port 0 itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The `edgellm` command of this installation (bin/edgellm.js at the package root, beside dist/). */
export function edgellmBin(): string {
  const up = import.meta.url.endsWith(".ts") ? "../../bin/edgellm.js" : "../../../bin/edgellm.js";
  return fileURLToPath(new URL(up, import.meta.url));
}

/** The arguments `edgellm serve` is started with. */
export function edgellmServeArgs(l: ServerLaunch, queue: number): string[] {
  return [
    "serve", "-m", l.model, "--host", "127.0.0.1", "--port", "0", "--threads", String(l.threads), "--parallel", String(l.parallel),
    "--ctx", String(l.ctxPerSlot), "--queue", String(queue), "--timeout", "0",
  ];
}

/**
 * The arguments llama-server is started with: the whole context is split between the slots (`-c` = slots × per-slot
 * context), flash attention off (as edgellm and the in-process llama.cpp bench), the host-memory prompt cache off
 * (`--cache-ram 0`: it would keep old slots' KV in RAM and inflate peak RSS), then `extra`.
 */
export function llamaServerArgs(l: ServerLaunch, port: number, extra: readonly string[]): string[] {
  return [
    "-m", l.model, "-c", String(l.ctxPerSlot * l.parallel), "-np", String(l.parallel), "-t", String(l.threads),
    "--host", "127.0.0.1", "--port", String(port), "-fa", "off", "--cache-ram", "0", ...extra,
  ];
}

export async function startEdgellmServe(l: ServerLaunch, queue: number): Promise<StartedServer> {
  const bin = edgellmBin();
  if (!existsSync(bin)) throw new EdgeError("bench_failed", `cannot start edgellm serve: ${bin} is missing (npm run build)`);
  const args = edgellmServeArgs(l, queue);
  const child = spawn(process.execPath, [...childExecArgv(), bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.setEncoding("utf8");
  const ready = new Promise<string>((resolve) => {
    let seen = "";
    child.stderr!.on("data", (s: string) => {
      seen = (seen + s).slice(-4096);
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]);
    });
  });
  return started("edgellm serve", child, `edgellm ${args.join(" ")}`, ready);
}

export async function startLlamaServer(path: string, l: ServerLaunch, extra: readonly string[]): Promise<StartedServer> {
  if (!existsSync(path)) throw new EdgeError("bad_argument", `--llama-server ${path}: no such file (scripts/build-llama-cpp.sh builds it)`);
  const port = await freePort();
  const args = llamaServerArgs(l, port, extra);
  const child = spawn(path, args, { stdio: ["ignore", "ignore", "pipe"] });
  const url = `http://127.0.0.1:${port}`;
  // it answers 503 while loading, 200 when ready
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) return new Promise<string>(() => {});
      try {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return url;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return started("llama-server", child, `${path} ${args.join(" ")}`, ready);
}

/** Waits for `ready` (the server's URL) or the child's death, whichever comes first; a dead child is one error line. */
async function started(label: string, child: ChildProcess, command: string, ready: Promise<string>): Promise<StartedServer> {
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => {
    stderr = (stderr + s).slice(-8192);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (e) => reject(new EdgeError("bench_failed", `cannot start ${label}: ${e.message}`)));
    child.once("exit", (code, signal) => {
      const why = lastLine(stderr) || (signal ? `killed by ${signal}` : `exited with code ${code}`);
      reject(new EdgeError("bench_failed", `${label} stopped${signal ? ` (${signal})` : ""}: ${why}`));
    });
  });
  exited.catch(() => {}); // also rejects, unobserved, when the server is stopped on purpose
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EdgeError("bench_failed", `${label} did not become ready in ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
  });
  // a bench that ends abnormally (an uncaught error, process.exit) must not leave its server running
  const orphanGuard = () => void child.kill("SIGTERM");
  process.once("exit", orphanGuard);
  const stop = () => {
    process.off("exit", orphanGuard);
    return stopChild(child);
  };
  let url: string;
  try {
    url = await Promise.race([ready, exited, timeout]);
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { label, url, pid: child.pid!, command, stop };
}

/** SIGTERM, then SIGKILL if the child is still there after 15 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
