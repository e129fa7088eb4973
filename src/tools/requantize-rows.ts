// Rows of one type into another through float32 (ggml's reference dequantizers and quantizers): the unit of work of
// `edgellm quantize`, run on the main thread or in a worker (quantize-worker.ts). Environment-neutral.
import { EdgeError } from "../errors.js";
import { traitsOf } from "../tensor/types.js";

/** `rows` rows of `cols` elements: src (type `from`) → a new buffer of type `to`. f32 is scratch of ≥ cols floats. */
export function requantizeRows(from: number, to: number, cols: number, rows: number, src: Uint8Array, f32: Float32Array): Uint8Array {
  const a = traitsOf(from), b = traitsOf(to);
  if (!b.quantizeRow) throw new EdgeError("unsupported_tensor_type", `no quantizer for ${b.name}`);
  const srcRow = (cols / a.blockSize) * a.typeSize;
  const dstRow = (cols / b.blockSize) * b.typeSize;
  if (src.length < rows * srcRow) throw new EdgeError("bad_tensor_shape", `${rows} rows of ${cols} ${a.name} need ${rows * srcRow} bytes, got ${src.length}`);
  const out = new Uint8Array(rows * dstRow);
  for (let r = 0; r < rows; r++) {
    a.dequantizeRow(src, r * srcRow, f32, 0, cols);
    b.quantizeRow(f32, 0, cols, out, r * dstRow);
  }
  return out;
}
