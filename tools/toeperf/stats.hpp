// SPDX-License-Identifier: MIT
// What a run measures: latency samples and their percentiles, and CPU time
// (this process, the server process, the engine threads).
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

CpuTime process_cpu(); // getrusage(RUSAGE_SELF)

// The toe engine threads' CPU time (kernel threads named "toe/<ifname>"),
// from /proc/<pid>/schedstat; found is false when no engine runs here.
struct EngineCpu {
	bool found = false;
	uint64_t ns = 0;
};
EngineCpu engine_cpu();

uint64_t now_ns(); // CLOCK_MONOTONIC

} // namespace toeperf
