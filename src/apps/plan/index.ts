// The memory plan: what a model needs on this device (weights, KV cache, scratch, runtime) and the context that fits.
export { planMemory, MIN_CONTEXT, type MemoryPlan, type MemoryBreakdown, type PlanOptions } from "./memory-plan.js";
export { readDevice, type Device } from "./device.js";
