// SPDX-License-Identifier: MIT
#include "syscalls.hpp"

#include <cstring>
#include <fstream>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace toeperf {

namespace {

// The tracepoint's perf id, from tracefs wherever it is mounted.
std::optional<uint64_t> sys_enter_id()
{
	for (const char *dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		std::ifstream id(std::string(dir) + "/events/raw_syscalls/sys_enter/id");
		uint64_t value = 0;
		if (id >> value)
			return value;
	}
	return std::nullopt;
}

} // namespace

SyscallCounter::SyscallCounter()
{
	std::optional<uint64_t> id = sys_enter_id();
	if (!id)
		return;
	perf_event_attr attr;
	std::memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = *id;
	// The tracepoint fires in the kernel: excluding kernel events would
	// count nothing. Threads created later (the workers, the server's
	// listeners) count into this counter.
	attr.inherit = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0 /* this process */, -1 /* any CPU */,
			  -1 /* no group */, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		fd_ = int(fd);
}

SyscallCounter::~SyscallCounter()
{
	if (fd_ >= 0)
		close(fd_);
}

std::optional<uint64_t> SyscallCounter::count() const
{
	uint64_t value = 0;
	if (fd_ < 0 || read(fd_, &value, sizeof(value)) != ssize_t(sizeof(value)))
		return std::nullopt;
	return value;
}

} // namespace toeperf
