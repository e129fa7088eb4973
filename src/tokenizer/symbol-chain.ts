// A doubly linked list of text spans (the symbols being merged), stored in reusable typed arrays.

export class SymbolChain {
  start = new Int32Array(256);
  len = new Int32Array(256);
  prev = new Int32Array(256);
  next = new Int32Array(256);
  /** Token id of each symbol's text (-1: not a token); kept by the BPE encoder. */
  id = new Int32Array(256);
  count = 0;

  /** Reset to one symbol per code point of `text` (UTF-16 spans). */
  splitCodePoints(text: string): void {
    this.ensure(text.length);
    let n = 0;
    for (let i = 0; i < text.length; ) {
      const c = text.charCodeAt(i);
      const w = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length ? 2 : 1;
      this.start[n] = i;
      this.len[n] = w;
      this.prev[n] = n - 1;
      this.next[n] = n + 1;
      n++;
      i += w;
    }
    if (n > 0) this.next[n - 1] = -1;
    this.count = n;
  }

  /** Reset to a single symbol covering all of `text`. */
  whole(text: string): void {
    this.ensure(1);
    this.start[0] = 0;
    this.len[0] = text.length;
    this.prev[0] = -1;
    this.next[0] = -1;
    this.count = 1;
  }

  /** Merge `right` into `left` (its next symbol) and unlink it. */
  merge(left: number, right: number): void {
    this.len[left] += this.len[right];
    this.len[right] = 0;
    const after = this.next[right];
    this.next[left] = after;
    if (after >= 0) this.prev[after] = left;
  }

  text(source: string, i: number): string {
    return source.substring(this.start[i], this.start[i] + this.len[i]);
  }

  private ensure(n: number): void {
    if (n <= this.start.length) return;
    const size = Math.max(n, this.start.length * 2);
    this.start = new Int32Array(size);
    this.len = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.next = new Int32Array(size);
    this.id = new Int32Array(size);
  }
}
