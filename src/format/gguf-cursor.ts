// Buffered little-endian cursor over a ByteSource: the GGUF reader's only access to the file (never reads it whole).
import { EdgeError, type ErrorCode } from "../errors.js";
import type { ByteSource } from "../io/byte-source.js";

const TWO_POW_32 = 0x1_0000_0000;
/** Values of hi (the upper u32 of a u64) below this keep the u64 exactly representable as a JS number. */
const SAFE_HI_LIMIT = 0x20_0000;

export const DEFAULT_WINDOW_BYTES = 1 << 20;

// ignoreBOM keeps a leading U+FEFF (a real token in SentencePiece vocabularies) instead of silently dropping it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads scalars and byte runs at an advancing absolute offset `pos`, refilling a fixed window from the source.
 * Every read is bounds-checked against the file size first, so a lying length field yields gguf_truncated
 * instead of an allocation or a short read. `context` ("key \"x\"", "tensor \"y\"") prefixes error messages.
 */
export class GgufCursor {
  pos = 0;
  context = "header";
  private readonly win: Uint8Array;
  private readonly view: DataView;
  private winStart = 0;
  private winEnd = 0;
  /** Upper and lower halves of the last u64 read, kept so messages can print huge values exactly. */
  private lastHi = 0;
  private lastLo = 0;

  constructor(readonly src: ByteSource, windowBytes = DEFAULT_WINDOW_BYTES) {
    const n = Math.max(64, Math.min(windowBytes, src.size));
    this.win = new Uint8Array(n);
    this.view = new DataView(this.win.buffer);
  }

  get size(): number {
    return this.src.size;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** An EdgeError whose message names the file, the current context, and an absolute offset. */
  error(code: ErrorCode, what: string, offset = this.pos): EdgeError {
    return new EdgeError(code, `${this.src.name}: ${this.context}: ${what} (at offset ${offset})`);
  }

  /** Throws gguf_truncated unless `n` more bytes exist in the file. */
  need(n: number, what: string): void {
    if (n > this.src.size - this.pos) {
      throw this.error(
        "gguf_truncated",
        `${what} needs ${n} bytes but only ${Math.max(0, this.src.size - this.pos)} remain (file size ${this.src.size})`,
      );
    }
  }

  /** Window index of `pos` with at least n (<= window size) bytes buffered after it. */
  private at(n: number, what: string): number {
    if (this.pos >= this.winStart && this.pos + n <= this.winEnd) return this.pos - this.winStart;
    this.need(n, what);
    const len = Math.min(this.win.length, this.src.size - this.pos);
    this.src.readInto(this.pos, len, this.win, 0);
    this.winStart = this.pos;
    this.winEnd = this.pos + len;
    return 0;
  }

  u8(what: string): number {
    const i = this.at(1, what);
    this.pos += 1;
    return this.win[i];
  }

  u32(what: string): number {
    const i = this.at(4, what);
    this.pos += 4;
    return this.view.getUint32(i, true);
  }

  /** A u64 as a number: exact below 2^53; above that use isLastU64Safe()/lastU64() for checks and messages. */
  u64(what: string): number {
    const i = this.at(8, what);
    this.pos += 8;
    this.lastLo = this.view.getUint32(i, true);
    this.lastHi = this.view.getUint32(i + 4, true);
    return this.lastHi * TWO_POW_32 + this.lastLo;
  }

  isLastU64Safe(): boolean {
    return this.lastHi < SAFE_HI_LIMIT;
  }

  /** The last u64 read, exactly, as decimal text. */
  lastU64(): string {
    return ((BigInt(this.lastHi) << 32n) | BigInt(this.lastLo)).toString();
  }

  /** Reads a fixed-size scalar through a DataView callback (floats, 64-bit ints, signed types). */
  scalar<T>(n: number, what: string, get: (v: DataView, i: number) => T): T {
    const i = this.at(n, what);
    this.pos += n;
    return get(this.view, i);
  }

  /** Copies the next dest.length bytes into dest (large runs go straight from the source, bypassing the window). */
  readInto(dest: Uint8Array, what: string): void {
    const n = dest.length;
    this.need(n, what);
    let done = 0;
    if (this.pos >= this.winStart && this.pos < this.winEnd) {
      done = Math.min(n, this.winEnd - this.pos);
      const i = this.pos - this.winStart;
      dest.set(this.win.subarray(i, i + done), 0);
    }
    if (done < n) this.src.readInto(this.pos + done, n - done, dest, done);
    this.pos += n;
  }

  /**
   * The next n bytes as a view (valid until the next read) when they fit the window, else a fresh copy.
   * Callers have already checked n against the remaining file size, so the copy is bounded by the file.
   */
  bytes(n: number, what: string): Uint8Array {
    if (n <= this.win.length) {
      const i = this.at(n, what);
      this.pos += n;
      return this.win.subarray(i, i + n);
    }
    const out = new Uint8Array(n);
    this.readInto(out, what);
    return out;
  }

  /** A GGUF string: u64 byte length then UTF-8 bytes (validated; invalid sequences → gguf_bad_utf8). */
  string(what: string, maxBytes: number): string {
    const start = this.pos;
    const len = this.u64(what);
    if (!this.isLastU64Safe() || len > maxBytes) {
      throw this.error("gguf_limit_exceeded", `${what} length ${this.lastU64()} exceeds limit ${maxBytes}`, start);
    }
    if (len > this.remaining) {
      throw this.error(
        "gguf_truncated",
        `${what} length ${len} exceeds the ${this.remaining} bytes left in the file (size ${this.size})`,
        start,
      );
    }
    if (len === 0) return "";
    const bytesAt = this.pos;
    const b = this.bytes(len, what);
    try {
      return utf8.decode(b);
    } catch {
      throw this.error("gguf_bad_utf8", `${what} is not valid UTF-8`, bytesAt);
    }
  }
}
