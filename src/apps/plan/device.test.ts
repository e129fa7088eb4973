// The device's figures: /proc/meminfo and cgroup files parsed, and the least applicable one taken as available.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeDevice, parseCgroupLimit, parseMemAvailable, readDevice } from "./device.js";

const MIB = 2 ** 20;

describe("device", () => {
  it("parses MemAvailable and cgroup limits ('max' and v1's huge number mean none)", () => {
    assert.equal(parseMemAvailable("MemTotal:  8000 kB\nMemFree:   100 kB\nMemAvailable:    2048 kB\n"), 2048 * 1024);
    assert.equal(parseMemAvailable("MemTotal:  8000 kB\n"), undefined);
    assert.equal(parseCgroupLimit("536870912\n"), 512 * MIB);
    assert.equal(parseCgroupLimit("max\n"), undefined);
    assert.equal(parseCgroupLimit("9223372036854771712\n"), undefined);
    assert.equal(parseCgroupLimit(undefined), undefined);
  });

  it("available is MemAvailable, else freemem, and a cgroup's headroom when smaller", () => {
    const base = { cores: 4, totalBytes: 8192 * MIB, freeBytes: 500 * MIB };
    assert.deepEqual(pick(describeDevice({ ...base, memAvailableBytes: 3000 * MIB })), [3000 * MIB, "MemAvailable"]);
    assert.deepEqual(pick(describeDevice(base)), [500 * MIB, "freemem"]);
    const limited = describeDevice({ ...base, memAvailableBytes: 3000 * MIB, cgroupLimitBytes: 1024 * MIB, cgroupUsageBytes: 100 * MIB });
    assert.deepEqual(pick(limited), [924 * MIB, "cgroup"]);
    assert.deepEqual(pick(describeDevice({ ...base, memAvailableBytes: 300 * MIB, cgroupLimitBytes: 1024 * MIB })), [300 * MIB, "MemAvailable"]);
  });

  it("reads this machine", () => {
    const d = readDevice();
    assert.ok(d.cores >= 1 && d.totalBytes > 0 && d.availableBytes > 0 && d.availableBytes <= d.totalBytes);
  });
});

function pick(d: ReturnType<typeof describeDevice>) {
  return [d.availableBytes, d.availableSource];
}
