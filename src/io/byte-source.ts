// Random-access byte sources. Parsers read through this so they work on files (Node) and buffers (browser, tests).

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A name for error messages (file path, or "<buffer>"). */
  readonly name: string;
  /**
   * Copy `length` bytes starting at `offset` into `dest` at `destOffset`. Callers guarantee
   * 0 <= offset, offset + length <= size. Returns dest.
   */
  readInto(offset: number, length: number, dest: Uint8Array, destOffset?: number): Uint8Array;
  /**
   * The same read, asynchronously (a Blob in a browser, whose bytes can only be read with a promise). When present,
   * the loader's asynchronous path reads the weights through it; readInto may then cover only a prefix (the header).
   */
  readIntoAsync?(offset: number, length: number, dest: Uint8Array, destOffset?: number): Promise<Uint8Array>;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = "<buffer>") {
    this.size = bytes.length;
  }
  readInto(offset: number, length: number, dest: Uint8Array, destOffset = 0): Uint8Array {
    dest.set(this.bytes.subarray(offset, offset + length), destOffset);
    return dest;
  }
}
