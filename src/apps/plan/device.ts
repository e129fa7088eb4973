// What this device offers a model: cores and the memory a new process may use (free RAM, the kernel's estimate of
// what can be allocated without swapping, and a cgroup limit when the process runs in a container).
import { readFileSync } from "node:fs";
import { availableParallelism, freemem, totalmem } from "node:os";

export interface Device {
  cores: number;
  totalBytes: number;
  /** os.freemem(): pages nobody uses (the page cache counts as used, so this understates what is available). */
  freeBytes: number;
  /** /proc/meminfo MemAvailable: free pages plus what the kernel can reclaim without swapping (Linux 3.14+). */
  memAvailableBytes?: number;
  /** cgroup v2 memory.max (or v1 memory.limit_in_bytes) when a limit is set. */
  cgroupLimitBytes?: number;
  /** The cgroup's current usage (memory.current / memory.usage_in_bytes), beside its limit. */
  cgroupUsageBytes?: number;
  /** The least of the above that applies: what a process started now can count on. */
  availableBytes: number;
  /** Which figure availableBytes is. */
  availableSource: "MemAvailable" | "freemem" | "cgroup";
}

/** Reads the device now (Linux files where present; elsewhere os.freemem alone). */
export function readDevice(): Device {
  const meminfo = readText("/proc/meminfo");
  const limit = parseCgroupLimit(readText("/sys/fs/cgroup/memory.max")) ?? parseCgroupLimit(readText("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  const usage = parseBytes(readText("/sys/fs/cgroup/memory.current")) ?? parseBytes(readText("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
  return describeDevice({
    cores: availableParallelism(),
    totalBytes: totalmem(),
    freeBytes: freemem(),
    memAvailableBytes: meminfo === undefined ? undefined : parseMemAvailable(meminfo),
    cgroupLimitBytes: limit !== undefined && limit < totalmem() ? limit : undefined,
    cgroupUsageBytes: limit !== undefined ? usage : undefined,
  });
}

/** Fills in availableBytes from the raw figures (pure: tests give their own). */
export function describeDevice(d: Omit<Device, "availableBytes" | "availableSource">): Device {
  let availableBytes = d.memAvailableBytes ?? d.freeBytes;
  let availableSource: Device["availableSource"] = d.memAvailableBytes !== undefined ? "MemAvailable" : "freemem";
  if (d.cgroupLimitBytes !== undefined) {
    const inGroup = Math.max(0, d.cgroupLimitBytes - (d.cgroupUsageBytes ?? 0));
    if (inGroup < availableBytes) {
      availableBytes = inGroup;
      availableSource = "cgroup";
    }
  }
  return { ...d, availableBytes, availableSource };
}

/** MemAvailable of a /proc/meminfo text, in bytes (undefined when the kernel does not report it). */
export function parseMemAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A cgroup memory limit file: "max" (v2) or a huge number (v1's "no limit") mean none. */
export function parseCgroupLimit(text: string | undefined): number | undefined {
  const n = parseBytes(text);
  return n !== undefined && n < 2 ** 60 ? n : undefined;
}

function parseBytes(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (!t || !/^\d+$/.test(t)) return undefined;
  return Number(t);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
