// Grow-only scratch regions in the arena for the WASM kernels (quantized activations, dequantized rows, attention
// scores). A region is allocated the first time it is needed and re-allocated (×1.5) only when a larger size is
// asked for, so steady-state decoding allocates nothing.
import type { Arena, Ptr } from "../memory.js";

/**
 * Region ids: quantized activations (values, scales, sums), rounded f32 activations, per-thread dequantized rows,
 * per-thread attention scratch.
 */
export const Slot = { ActQ: 0, ActD: 1, ActS: 2, ActF: 3, Rows: 4, Att: 5 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];
const SLOTS = 6;

export class Workspace {
  private readonly ptrs = new Float64Array(SLOTS);
  private readonly sizes = new Float64Array(SLOTS);

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
