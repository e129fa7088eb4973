// Layout of the thread pool's control block in the shared memory; mirrors src/kernels/wasm/assembly/parallel.ts.

/** Bytes reserved for the control block (hot words on separate 64-byte lines, then 32 parameter slots). */
export const CONTROL_BYTES = 512;
export const COMPLETED_OFFSET = 192;
/** Set to 1 by a worker whose wasm call trapped. */
export const ERROR_OFFSET = 204;
export const PARAMS_OFFSET = 256;

// parameter slots (i32 index from PARAMS_OFFSET)
export const P_OP = 0;
export const P_CHUNK = 1;
export const P_SPIN = 2;
export const P_MAIN_SPIN = 3;
export const P_PREFETCH = 4;
/** First op-specific slot. */
export const P_A = 8;

export const OP_NOP = 0;
/** One or more matMuls of one input (wasm-kernels.ts SHARED_MAX of them at most) as one task. */
export const OP_MATMUL = 1;
export const OP_ATTENTION = 2;
export const OP_EXIT = 3;
/** Every thread claims exactly one empty chunk: a full fork-join round trip. */
export const OP_SYNC = 4;
/** Activation rounding for a matMul (prepareRows) by chunks of input rows. */
export const OP_PREPARE = 5;
/** A prompt's element-wise work by chunks (rows for rope/storeKv, elements for swiglu/gelu). */
export const OP_ROPE = 6;
export const OP_STORE_KV = 7;
export const OP_SWIGLU = 8;
export const OP_GELU = 9;
export const OP_GEGLU = 10;
