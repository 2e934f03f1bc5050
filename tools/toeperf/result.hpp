// SPDX-License-Identifier: MIT
// One run's outcome, as the client measured it.
#pragma once

#include "options.hpp"
#include "stats.hpp"

#include <cstdint>
#include <optional>

namespace toeperf {

struct Result {
	Options options;
	double seconds = 0; // measured wall time
	uint64_t transactions = 0; // round trips (pingpong, rr) or connections (crr)
	uint64_t bytes = 0; // payload delivered to the receiving side (stream)
	Percentiles latency; // per round trip, or per connection for crr
	CpuTime client_cpu;
	bool server_cpu_known = false; // the peer is a toeperf server
	CpuTime server_cpu;
	bool engine_cpu_known = false; // a toe engine runs on this host
	uint64_t engine_ns = 0;
	// Context switches, known where the CPU time is.
	uint64_t client_context_switches = 0;
	uint64_t server_context_switches = 0;
	uint64_t engine_context_switches = 0;
	// System calls (see syscalls.hpp); the engine thread makes none.
	std::optional<uint64_t> client_syscalls;
	std::optional<uint64_t> server_syscalls;

	uint64_t cpu_ns() const
	{
		return client_cpu.total() + server_cpu.total() + engine_ns;
	}
	uint64_t context_switches() const
	{
		return client_context_switches + server_context_switches + engine_context_switches;
	}
	// Both processes', when both are known (the peer may be no toeperf
	// server, or unable to count).
	std::optional<uint64_t> syscalls() const
	{
		if (!client_syscalls || !server_syscalls)
			return std::nullopt;
		return *client_syscalls + *server_syscalls;
	}
	// CPU time over wall time: how many cores the run kept busy.
	double cores() const { return seconds > 0 ? double(cpu_ns()) / 1e9 / seconds : 0; }
	double per_second() const { return seconds > 0 ? double(transactions) / seconds : 0; }
	double bits_per_second() const { return seconds > 0 ? double(bytes) * 8 / seconds : 0; }
	// CPU seconds per 10^9 payload bytes, and microseconds per transaction.
	double cpu_s_per_gb() const { return bytes ? double(cpu_ns()) / double(bytes) : 0; }
	double cpu_us_per_transaction() const
	{
		return transactions ? double(cpu_ns()) / 1000.0 / double(transactions) : 0;
	}
	double context_switches_per_transaction() const
	{
		return transactions ? double(context_switches()) / double(transactions) : 0;
	}
	std::optional<double> syscalls_per_transaction() const
	{
		if (!transactions || !syscalls())
			return std::nullopt;
		return double(*syscalls()) / double(transactions);
	}
};

} // namespace toeperf
