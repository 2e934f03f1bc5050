// SPDX-License-Identifier: MIT
#include "stats.hpp"

#include <algorithm>
#include <cctype>
#include <dirent.h>
#include <fstream>
#include <numeric>
#include <string>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

namespace toeperf {

namespace {

uint64_t at(const std::vector<uint64_t> &sorted, double q)
{
	size_t i = size_t(q * double(sorted.size() - 1) + 0.5);
	return sorted[std::min(i, sorted.size() - 1)];
}

uint64_t timeval_ns(const timeval &tv)
{
	return uint64_t(tv.tv_sec) * 1'000'000'000 + uint64_t(tv.tv_usec) * 1000;
}

// A kernel thread's run time in ns, or false when pid is no engine thread.
bool engine_thread_ns(const std::string &pid, uint64_t &ns)
{
	std::ifstream comm("/proc/" + pid + "/comm");
	std::string name;
	if (!std::getline(comm, name) || name.rfind("toe/", 0) != 0)
		return false;
	std::ifstream schedstat("/proc/" + pid + "/schedstat");
	if (schedstat >> ns)
		return true;
	// No schedstat in this kernel: utime and stime, in clock ticks.
	std::ifstream stat("/proc/" + pid + "/stat");
	std::string line;
	if (!std::getline(stat, line))
		return false;
	size_t close = line.rfind(')');
	if (close == std::string::npos)
		return false;
	std::vector<std::string> fields;
	std::string field;
	for (char ch : line.substr(close + 2)) {
		if (ch == ' ') {
			fields.push_back(field);
			field.clear();
		} else {
			field += ch;
		}
	}
	// Fields after the name start at 3 (state); utime is 14, stime 15.
	if (fields.size() < 13)
		return false;
	uint64_t ticks = std::stoull(fields[11]) + std::stoull(fields[12]);
	ns = ticks * (1'000'000'000 / uint64_t(sysconf(_SC_CLK_TCK)));
	return true;
}

// voluntary_ctxt_switches plus nonvoluntary_ctxt_switches.
uint64_t thread_context_switches(const std::string &pid)
{
	std::ifstream status("/proc/" + pid + "/status");
	uint64_t total = 0;
	std::string line;
	while (std::getline(status, line)) {
		if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
		    line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
			total += std::stoull(line.substr(line.find(':') + 1));
	}
	return total;
}

} // namespace

Percentiles percentiles(std::vector<uint64_t> &samples)
{
	Percentiles p;
	if (samples.empty())
		return p;
	std::sort(samples.begin(), samples.end());
	p.count = samples.size();
	p.mean_ns = double(std::accumulate(samples.begin(), samples.end(), uint64_t(0))) /
		    double(samples.size());
	p.p50_ns = at(samples, 0.50);
	p.p90_ns = at(samples, 0.90);
	p.p99_ns = at(samples, 0.99);
	p.p999_ns = at(samples, 0.999);
	p.max_ns = samples.back();
	return p;
}

ProcessUsage process_usage()
{
	rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	return {{timeval_ns(ru.ru_utime), timeval_ns(ru.ru_stime)},
		uint64_t(ru.ru_nvcsw) + uint64_t(ru.ru_nivcsw)};
}

EngineUsage engine_usage()
{
	EngineUsage usage;
	DIR *proc = opendir("/proc");
	if (!proc)
		return usage;
	while (dirent *e = readdir(proc)) {
		if (!std::isdigit(static_cast<unsigned char>(e->d_name[0])))
			continue;
		uint64_t ns = 0;
		if (engine_thread_ns(e->d_name, ns)) {
			usage.found = true;
			usage.ns += ns;
			usage.context_switches += thread_context_switches(e->d_name);
		}
	}
	closedir(proc);
	return usage;
}

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

} // namespace toeperf
