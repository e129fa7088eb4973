// Grow-only scratch regions in the arena for the WASM kernels (rounded activations, attention scratch). A region is
// allocated the first time it is needed and re-allocated (×1.5) only when a larger size is asked for, so
// steady-state decoding allocates nothing.
import type { Arena, Ptr } from "../memory.js";

/**
 * Region ids: quantized activations (values, scales, sums), f16/bf16-rounded activations, attention scratch, and the
 * converted K/V tiles of a prompt's attention (always asked for at their full size, so they never grow).
 */
export const Slot = { ActQ: 0, ActD: 1, ActS: 2, ActF: 3, Att: 4, AttTile: 5 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];
const SLOTS = 6;

export class Workspace {
  // plain arrays, not Float64Array: an element read from a float array is a double that V8 boxes when returned
  private readonly ptrs: number[] = new Array<number>(SLOTS).fill(0);
  private readonly sizes: number[] = new Array<number>(SLOTS).fill(0);

  constructor(private readonly arena: Arena) {}

  /** A region of at least `bytes` for `slot` (contents are not preserved across growth). */
  region(slot: Slot, bytes: number): Ptr {
    if (bytes > this.sizes[slot]!) {
      const size = Math.max(bytes, Math.ceil(this.sizes[slot]! * 1.5), 4096);
      this.ptrs[slot] = this.arena.alloc(size, 64);
      this.sizes[slot] = size;
    }
    return this.ptrs[slot]!;
  }

  /** Pre-size a region (e.g. for the largest prompt chunk) so that no growth happens while generating. */
  reserve(slot: Slot, bytes: number): void {
    this.region(slot, bytes);
  }
}
