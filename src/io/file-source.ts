// Node-only: a ByteSource over a file descriptor (positional reads, no whole-file buffer).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { EdgeError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  constructor(readonly name: string) {
    try {
      this.fd = openSync(name, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new EdgeError("file_not_found", `${name}: no such file`);
      throw new EdgeError("io_error", `${name}: cannot open (${code ?? String(e)})`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile()) {
      closeSync(this.fd);
      throw new EdgeError("io_error", `${name}: not a regular file`);
    }
    this.size = st.size;
  }
  readInto(offset: number, length: number, dest: Uint8Array, destOffset = 0): Uint8Array {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, dest, destOffset + done, length - done, offset + done);
      if (n <= 0) throw new EdgeError("io_error", `${this.name}: short read at offset ${offset + done}`);
      done += n;
    }
    return dest;
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
