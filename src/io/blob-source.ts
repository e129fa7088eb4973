// A ByteSource over a Blob (a browser File from a file picker, a downloaded response; Node has Blob too). A Blob's
// bytes can only be read with a promise, so the GGUF header is read first into a prefix that the (synchronous)
// parser reads from, and the weights later through readIntoAsync, chunk by chunk straight into the arena: no second
// whole copy of the file in memory.
import { EdgeError } from "../errors.js";
import { parseGguf } from "../format/gguf-reader.js";
import type { GgufFile } from "../format/gguf-types.js";
import type { ByteSource } from "./byte-source.js";

/** First prefix read for the header (it is doubled while the parser wants more). */
const FIRST_PREFIX = 1 << 20;
/** The parser's read window: a read near the end of the prefix asks for at most this much past what it needs. */
const WINDOW = 64 << 10;

/** A synchronous read past the bytes read so far (readHeader catches it and reads a longer prefix). */
class BeyondPrefix extends EdgeError {
  constructor(name: string, readonly end: number, have: number) {
    super("io_error", `${name}: byte ${end - 1} is past the ${have} header bytes read so far (weights are read with readIntoAsync)`);
  }
}

export class BlobSource implements ByteSource {
  readonly size: number;
  private prefix = new Uint8Array(0);

  /** `firstPrefix`: bytes read for the header at first (tests make it small to exercise the re-reads). */
  constructor(private readonly blob: Blob, readonly name: string, private readonly firstPrefix = FIRST_PREFIX) {
    this.size = blob.size;
  }

  /** Reads inside the prefix readHeader read (the header); anything else goes through readIntoAsync. */
  readInto(offset: number, length: number, dest: Uint8Array, destOffset = 0): Uint8Array {
    if (offset + length > this.prefix.length) throw new BeyondPrefix(this.name, offset + length, this.prefix.length);
    dest.set(this.prefix.subarray(offset, offset + length), destOffset);
    return dest;
  }

  async readIntoAsync(offset: number, length: number, dest: Uint8Array, destOffset = 0): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
    } catch (e) {
      throw new EdgeError("io_error", `${this.name}: cannot read bytes ${offset}..${offset + length - 1} (${(e as Error).message})`);
    }
    if (bytes.length !== length) throw new EdgeError("io_error", `${this.name}: short read at offset ${offset}`);
    dest.set(bytes, destOffset);
    return dest;
  }

  /**
   * Parse the GGUF header: read a prefix and parse it, reading a longer prefix while the parser wants bytes past it
   * (header sizes are not known in advance: a 151k-token vocabulary is several MiB). The prefix is dropped after.
   */
  async readHeader(): Promise<GgufFile> {
    let want = Math.min(this.size, this.firstPrefix);
    try {
      for (;;) {
        this.prefix = new Uint8Array(await this.blob.slice(0, want).arrayBuffer());
        try {
          return parseGguf(this, { windowBytes: WINDOW });
        } catch (e) {
          if (!(e instanceof BeyondPrefix) || want >= this.size) throw e;
          want = Math.min(this.size, Math.max(2 * want, e.end));
        }
      }
    } finally {
      this.prefix = new Uint8Array(0);
    }
  }
}
