// One WebAssembly.Memory holds weights, KV cache and scratch; TypeScript and WASM kernels address it by byte offset.
import { EdgeError } from "../errors.js";

/** A byte offset into the arena's memory. */
export type Ptr = number;

const PAGE = 65536;
/** Bytes at the bottom of memory left to the WASM modules' static data and stack. */
export const WASM_RESERVED_BYTES = 1 << 20;
/** wasm32 can address 4 GiB; V8 caps a memory at 65536 pages. */
const MAX_PAGES = 65536;

/**
 * Bump allocator over a WebAssembly.Memory, shared by default (worker threads run kernels on it). Growing a shared
 * memory never invalidates old views; growing an unshared one (a browser page without cross-origin isolation has no
 * SharedArrayBuffer) detaches them. The `u8/f32/...` views here are refreshed on every grow so they always cover the
 * whole memory: kernels must read the views through the arena each call rather than caching them across
 * allocations, and a view kept longer (Session's logits) must be re-made when `u8.buffer` changes.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  /** Whether the memory is a shared one (SharedArrayBuffer): needed for more than one thread. */
  readonly shared: boolean;
  u8!: Uint8Array;
  u16!: Uint16Array;
  i32!: Int32Array;
  f32!: Float32Array;
  private top: number;

  constructor(initialBytes = 16 << 20, maxBytes = MAX_PAGES * PAGE, shared = true) {
    const maximum = Math.min(MAX_PAGES, Math.ceil(maxBytes / PAGE));
    const initial = Math.min(maximum, Math.max(Math.ceil((initialBytes + WASM_RESERVED_BYTES) / PAGE), 32));
    this.shared = shared;
    this.memory = new WebAssembly.Memory({ initial, maximum, shared });
    this.top = WASM_RESERVED_BYTES;
    this.refreshViews();
  }

  /** Bytes handed out so far (including the reserved bottom). */
  get used(): number {
    return this.top;
  }

  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Reserve `bytes` (aligned to `align`, default 64 = a cache line) and return its offset. Memory is zeroed. */
  alloc(bytes: number, align = 64): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new EdgeError("out_of_memory", `bad allocation size ${bytes}`);
    const start = Math.ceil(this.top / align) * align;
    const end = start + bytes;
    if (end > this.capacity) this.growTo(end);
    this.top = end;
    return start;
  }

  /** Make sure at least `bytes` more can be allocated without a further grow (one grow for a whole model). */
  reserve(bytes: number): void {
    const need = this.top + bytes + 64;
    if (need > this.capacity) this.growTo(need);
  }

  private growTo(end: number): void {
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    try {
      this.memory.grow(pages);
    } catch {
      throw new EdgeError(
        "out_of_memory",
        `cannot grow WebAssembly memory to ${(end / 2 ** 20).toFixed(0)} MiB (wasm32 limit is 4096 MiB, or the system refused)`,
      );
    }
    this.refreshViews();
  }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
  }

  /** A Float32Array view of `n` floats at `ptr` (for tools and tests; hot paths index arena.f32 directly). */
  f32View(ptr: Ptr, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  u8View(ptr: Ptr, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }
}
