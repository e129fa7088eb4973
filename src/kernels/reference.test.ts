// The kernel conformance suite against the reference kernels themselves: the invariant checks (one-hot matMul,
// single-position attention, rope at position 0, unit-weight rmsNorm) test the reference; the comparisons check that
// it is deterministic.
import { runKernelConformance } from "./conformance.js";
import { ReferenceKernels } from "./reference.js";

runKernelConformance("reference", (arena) => new ReferenceKernels(arena));
