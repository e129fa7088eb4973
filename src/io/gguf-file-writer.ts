// Node-only: streams a GgufWriter to a file (temp name, then rename) so large models are never held twice in memory.
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { EdgeError } from "../errors.js";
import type { GgufWriter } from "../format/gguf-writer.js";

/**
 * Writes the file at `path`, tensor by tensor. The output goes to `path + ".partial"` first and is renamed into
 * place only when complete, so an interrupted or failed write never leaves a truncated model under the real name.
 * Returns the number of bytes written.
 */
export async function writeGgufFile(path: string, writer: GgufWriter): Promise<number> {
  const tmp = `${path}.partial`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, "w");
  } catch (e) {
    throw new EdgeError("io_error", `${tmp}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let position = 0;
  const fh = handle;
  try {
    const total = await writer.write(async (chunk) => {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position);
        if (bytesWritten <= 0) throw new EdgeError("io_error", `${tmp}: write returned ${bytesWritten} at offset ${position}`);
        done += bytesWritten;
        position += bytesWritten;
      }
    });
    if (total !== position) throw new EdgeError("io_error", `${tmp}: wrote ${position} bytes, expected ${total}`);
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
    return total;
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (e instanceof EdgeError) throw e;
    throw new EdgeError("io_error", `${path}: write failed at offset ${position} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
