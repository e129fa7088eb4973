// The ggml type table (one traits row per supported type) and allocating dequantize/quantize helpers.

import { EdgeError } from "../errors.js";
import { GgmlType, type TypeTraits } from "./ggml-type.js";
import {
  dequantizeRowBF16, dequantizeRowF16, dequantizeRowF32, quantizeRowBF16, quantizeRowF16, quantizeRowF32,
} from "./float-types.js";
import {
  dequantizeRowQ4_0, dequantizeRowQ4_1, dequantizeRowQ5_0, dequantizeRowQ5_1, dequantizeRowQ8_0, dequantizeRowQ8_1,
  quantizeRowQ4_0, quantizeRowQ4_1, quantizeRowQ5_0, quantizeRowQ5_1, quantizeRowQ8_0, quantizeRowQ8_1,
} from "./quant-legacy.js";
import {
  dequantizeRowQ2_K, dequantizeRowQ3_K, dequantizeRowQ4_K, dequantizeRowQ5_K, dequantizeRowQ6_K, dequantizeRowQ8_K,
} from "./dequant-k.js";
import {
  quantizeRowQ2_K, quantizeRowQ3_K, quantizeRowQ4_K, quantizeRowQ5_K, quantizeRowQ6_K, quantizeRowQ8_K,
} from "./quant-k.js";
import { dequantizeRowTQ1_0, dequantizeRowTQ2_0, quantizeRowTQ1_0, quantizeRowTQ2_0 } from "./quant-ternary.js";

/** Names of every ggml type id (as in ggml.h), including ones this engine cannot compute with. */
const GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_2", 5: "Q4_3", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
  10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS",
  18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32",
  27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8", 34: "TQ1_0",
  35: "TQ2_0", 36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8", 39: "MXFP4", 40: "NVFP4", 41: "Q1_0", 42: "Q2_0",
};

/** "Q4_K" for 12, or the number itself for ids ggml does not define. */
export function ggmlTypeName(type: number): string {
  return GGML_TYPE_NAMES[type] ?? String(type);
}

function row(
  type: GgmlType, blockSize: number, typeSize: number,
  dequantizeRow: TypeTraits["dequantizeRow"], quantizeRow: TypeTraits["quantizeRow"],
): TypeTraits {
  return { type, name: GGML_TYPE_NAMES[type]!, blockSize, typeSize, dequantizeRow, quantizeRow };
}

/** Supported types: block size, bytes per block, row dequantizer and reference quantizer. */
export const TYPE_TRAITS: Partial<Record<GgmlType, TypeTraits>> = {
  [GgmlType.F32]: row(GgmlType.F32, 1, 4, dequantizeRowF32, quantizeRowF32),
  [GgmlType.F16]: row(GgmlType.F16, 1, 2, dequantizeRowF16, quantizeRowF16),
  [GgmlType.BF16]: row(GgmlType.BF16, 1, 2, dequantizeRowBF16, quantizeRowBF16),
  [GgmlType.Q4_0]: row(GgmlType.Q4_0, 32, 18, dequantizeRowQ4_0, quantizeRowQ4_0),
  [GgmlType.Q4_1]: row(GgmlType.Q4_1, 32, 20, dequantizeRowQ4_1, quantizeRowQ4_1),
  [GgmlType.Q5_0]: row(GgmlType.Q5_0, 32, 22, dequantizeRowQ5_0, quantizeRowQ5_0),
  [GgmlType.Q5_1]: row(GgmlType.Q5_1, 32, 24, dequantizeRowQ5_1, quantizeRowQ5_1),
  [GgmlType.Q8_0]: row(GgmlType.Q8_0, 32, 34, dequantizeRowQ8_0, quantizeRowQ8_0),
  [GgmlType.Q8_1]: row(GgmlType.Q8_1, 32, 36, dequantizeRowQ8_1, quantizeRowQ8_1),
  [GgmlType.Q2_K]: row(GgmlType.Q2_K, 256, 84, dequantizeRowQ2_K, quantizeRowQ2_K),
  [GgmlType.Q3_K]: row(GgmlType.Q3_K, 256, 110, dequantizeRowQ3_K, quantizeRowQ3_K),
  [GgmlType.Q4_K]: row(GgmlType.Q4_K, 256, 144, dequantizeRowQ4_K, quantizeRowQ4_K),
  [GgmlType.Q5_K]: row(GgmlType.Q5_K, 256, 176, dequantizeRowQ5_K, quantizeRowQ5_K),
  [GgmlType.Q6_K]: row(GgmlType.Q6_K, 256, 210, dequantizeRowQ6_K, quantizeRowQ6_K),
  [GgmlType.Q8_K]: row(GgmlType.Q8_K, 256, 292, dequantizeRowQ8_K, quantizeRowQ8_K),
  [GgmlType.TQ1_0]: row(GgmlType.TQ1_0, 256, 54, dequantizeRowTQ1_0, quantizeRowTQ1_0),
  [GgmlType.TQ2_0]: row(GgmlType.TQ2_0, 256, 66, dequantizeRowTQ2_0, quantizeRowTQ2_0),
};

// Activation partner of each weight type, as in ggml's CPU type traits (Q4_1/Q5_1 pair with Q8_1, whose quantized
// values equal Q8_0's).
const VEC_DOT_TYPE: Partial<Record<GgmlType, GgmlType>> = {
  [GgmlType.F16]: GgmlType.F16, [GgmlType.BF16]: GgmlType.BF16,
  [GgmlType.Q4_0]: GgmlType.Q8_0, [GgmlType.Q4_1]: GgmlType.Q8_1, [GgmlType.Q5_0]: GgmlType.Q8_0,
  [GgmlType.Q5_1]: GgmlType.Q8_1, [GgmlType.Q8_0]: GgmlType.Q8_0,
  [GgmlType.Q2_K]: GgmlType.Q8_K, [GgmlType.Q3_K]: GgmlType.Q8_K, [GgmlType.Q4_K]: GgmlType.Q8_K,
  [GgmlType.Q5_K]: GgmlType.Q8_K, [GgmlType.Q6_K]: GgmlType.Q8_K, [GgmlType.TQ1_0]: GgmlType.Q8_K, [GgmlType.TQ2_0]: GgmlType.Q8_K,
};
for (const [t, partner] of Object.entries(VEC_DOT_TYPE)) TYPE_TRAITS[Number(t) as GgmlType]!.vecDotType = partner;

/**
 * Traits of `type`, or EdgeError("unsupported_tensor_type") naming `context` (e.g. the tensor) for ids that are
 * unknown or that this engine cannot dequantize.
 */
export function traitsOf(type: number, context = "tensor"): TypeTraits {
  const traits = (TYPE_TRAITS as Partial<Record<number, TypeTraits>>)[type];
  if (traits === undefined) {
    const known = GGML_TYPE_NAMES[type];
    const what = known === undefined ? `id ${type}` : `${known} (id ${type})`;
    throw new EdgeError("unsupported_tensor_type", `${context}: tensor type ${what} is not supported`);
  }
  return traits;
}

/** Bytes taken by `nElements` elements of `type` (which must be a whole number of blocks). */
export function tensorBytes(type: number, nElements: number, context = "tensor"): number {
  const traits = traitsOf(type, context);
  if (!Number.isSafeInteger(nElements) || nElements < 0 || nElements % traits.blockSize !== 0) {
    throw new EdgeError(
      "bad_tensor_shape",
      `${context}: ${nElements} elements is not a whole number of ${traits.name} blocks of ${traits.blockSize}`,
    );
  }
  return (nElements / traits.blockSize) * traits.typeSize;
}

/** Dequantize the first `n` elements stored in `bytes` (allocates; for tools and tests, not the decode loop). */
export function dequantize(type: number, bytes: Uint8Array, n: number): Float32Array {
  const traits = traitsOf(type);
  const need = tensorBytes(type, n);
  if (bytes.length < need) {
    throw new EdgeError("bad_tensor_shape", `dequantize: ${n} ${traits.name} elements need ${need} bytes, got ${bytes.length}`);
  }
  const out = new Float32Array(n);
  traits.dequantizeRow(bytes, 0, out, 0, n);
  return out;
}

/** Quantize all of `values` to `type` with the reference quantizer (allocates; for tools and tests). */
export function quantize(type: number, values: Float32Array): Uint8Array {
  const traits = traitsOf(type);
  if (traits.quantizeRow === undefined) {
    throw new EdgeError("unsupported_tensor_type", `quantize: no quantizer for tensor type ${traits.name}`);
  }
  const out = new Uint8Array(tensorBytes(type, values.length));
  traits.quantizeRow(values, 0, values.length, out, 0);
  return out;
}
