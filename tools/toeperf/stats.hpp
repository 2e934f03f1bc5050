// SPDX-License-Identifier: MIT
// What a run measures: latency samples and their percentiles, CPU time and
// context switches (this process, the server process, the engine threads).
#pragma once

#include <cstdint>
#include <vector>

namespace toeperf {

struct Percentiles {
	uint64_t count = 0;
	double mean_ns = 0;
	uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};

// Sorts samples in place.
Percentiles percentiles(std::vector<uint64_t> &samples_ns);

struct CpuTime {
	uint64_t user_ns = 0;
	uint64_t sys_ns = 0;
	uint64_t total() const { return user_ns + sys_ns; }
};

// getrusage(RUSAGE_SELF): every thread of this process, live or gone.
struct ProcessUsage {
	CpuTime cpu;
	uint64_t context_switches = 0; // voluntary and involuntary
};
ProcessUsage process_usage();

// The toe engine threads (kernel threads named "toe/<ifname>"): CPU time
// from /proc/<pid>/schedstat, context switches from /proc/<pid>/status;
// found is false when no engine runs here.
struct EngineUsage {
	bool found = false;
	uint64_t ns = 0;
	uint64_t context_switches = 0;
};
EngineUsage engine_usage();

uint64_t now_ns(); // CLOCK_MONOTONIC

} // namespace toeperf
