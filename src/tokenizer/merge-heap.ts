// Binary min-heap of candidate merges (priority, left symbol, right symbol, size) in growable typed arrays.

/**
 * Ordered by `priority` ascending, then by `left` ascending (leftmost first on ties), which is the order both
 * llama.cpp merge loops pop in. SPM pushes the negated score so that the highest score comes first.
 */
export class MergeHeap {
  private prio = new Float64Array(64);
  private left = new Int32Array(64);
  private right = new Int32Array(64);
  private size = new Int32Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(priority: number, left: number, right: number, size: number): void {
    if (this.length === this.prio.length) this.grow();
    let i = this.length++;
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(priority, left, this.prio[parent], this.left[parent])) break;
      this.set(i, parent);
      i = parent;
    }
    this.prio[i] = priority;
    this.left[i] = left;
    this.right[i] = right;
    this.size[i] = size;
  }

  /** Removes the top entry; its fields are then readable through poppedLeft/poppedRight/poppedSize. */
  pop(): void {
    const n = --this.length;
    this.poppedLeft = this.left[0];
    this.poppedRight = this.right[0];
    this.poppedSize = this.size[0];
    if (n === 0) return;
    const p = this.prio[n];
    const l = this.left[n];
    const r = this.right[n];
    const s = this.size[n];
    let i = 0;
    for (;;) {
      const a = 2 * i + 1;
      if (a >= n) break;
      const b = a + 1;
      const c = b < n && this.before(this.prio[b], this.left[b], this.prio[a], this.left[a]) ? b : a;
      if (!this.before(this.prio[c], this.left[c], p, l)) break;
      this.set(i, c);
      i = c;
    }
    this.prio[i] = p;
    this.left[i] = l;
    this.right[i] = r;
    this.size[i] = s;
  }

  poppedLeft = 0;
  poppedRight = 0;
  poppedSize = 0;

  private before(p1: number, l1: number, p2: number, l2: number): boolean {
    return p1 < p2 || (p1 === p2 && l1 < l2);
  }

  private set(dst: number, src: number): void {
    this.prio[dst] = this.prio[src];
    this.left[dst] = this.left[src];
    this.right[dst] = this.right[src];
    this.size[dst] = this.size[src];
  }

  private grow(): void {
    const n = this.prio.length * 2;
    const prio = new Float64Array(n);
    prio.set(this.prio);
    this.prio = prio;
    const left = new Int32Array(n);
    left.set(this.left);
    this.left = left;
    const right = new Int32Array(n);
    right.set(this.right);
    this.right = right;
    const size = new Int32Array(n);
    size.set(this.size);
    this.size = size;
  }
}
