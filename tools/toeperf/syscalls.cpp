// SPDX-License-Identifier: MIT
#include "syscalls.hpp"

#include <cstring>
#include <fstream>
#include <string>
#include <vector>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace toeperf {

namespace {

// Where tracefs may be: its usual places, then every tracefs mount. `ip
// netns exec` mounts a fresh /sys, which hides a tracefs mounted under it,
// so a tracefs mounted elsewhere is looked for too.
std::vector<std::string> tracefs_dirs()
{
	std::vector<std::string> dirs = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	std::ifstream mounts("/proc/self/mounts");
	std::string device, dir, type, rest;
	while (mounts >> device >> dir >> type && std::getline(mounts, rest))
		if (type == "tracefs")
			dirs.push_back(dir);
	return dirs;
}

// The tracepoint's perf id, from tracefs.
std::optional<uint64_t> sys_enter_id()
{
	for (const std::string &dir : tracefs_dirs()) {
		std::ifstream id(dir + "/events/raw_syscalls/sys_enter/id");
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
	if (fd < 0)
		return;
	// toeperf's own clock reads time the measure and are no part of it;
	// where the clock has no vDSO (qemu under TCG) each is a system call,
	// three per transaction. A counter that cannot leave them out counts
	// nothing rather than something else.
	std::string filter = "id != " + std::to_string(SYS_clock_gettime);
	if (ioctl(int(fd), PERF_EVENT_IOC_SET_FILTER, filter.c_str())) {
		close(int(fd));
		return;
	}
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
