// SPDX-License-Identifier: MIT
// Counts the system calls this process makes, every thread included, the
// same way for every backend: a perf counter on the raw_syscalls:sys_enter
// tracepoint, inherited by the threads created after it opens, with
// clock_gettime filtered out. libtoe's doorbell ioctls (kicks and waits) are
// system calls like any other and are counted with the rest.
#pragma once

#include <cstdint>
#include <optional>

namespace toeperf {

class SyscallCounter {
public:
	// Opens the counter on the calling process. Without tracefs (under
	// /sys/kernel or mounted anywhere else), or
	// without the right to count kernel events (perf_event_paranoid above
	// 1 and no CAP_PERFMON), the counter stays closed and count() has no
	// value.
	SyscallCounter();
	~SyscallCounter();
	SyscallCounter(const SyscallCounter &) = delete;
	SyscallCounter &operator=(const SyscallCounter &) = delete;

	// System calls since the counter opened, by this process and every
	// thread it created since; each call of count() is one more.
	std::optional<uint64_t> count() const;

private:
	int fd_ = -1;
};

} // namespace toeperf
