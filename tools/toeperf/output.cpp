// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <arpa/inet.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace toeperf {

namespace {

std::string endpoint_text(const sockaddr_in &sin)
{
	char addr[INET_ADDRSTRLEN] = "?";
	inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
	return std::string(addr) + ":" + std::to_string(ntohs(sin.sin_port));
}

double us(uint64_t ns) { return double(ns) / 1000.0; }

template <typename T> nlohmann::json or_null(const std::optional<T> &v)
{
	return v ? nlohmann::json(*v) : nlohmann::json();
}
double s(uint64_t ns) { return double(ns) / 1e9; }

} // namespace

void print_table(const Result &r, std::FILE *to)
{
	const Options &o = r.options;
	std::fprintf(to, "toeperf %s %s %s to %s: %u B, %u connection(s)%s, %.2f s\n",
		     backend_name(o.backend), mode_name(o.mode), proto_name(o.proto),
		     endpoint_text(o.endpoint).c_str(), o.size, o.connections,
		     o.mode == Mode::stream ? (o.reverse ? ", server sends" : ", client sends") : "",
		     r.seconds);
	if (o.mode == Mode::stream) {
		std::fprintf(to, "  %-14s %llu B, %.3f Gbit/s\n", "throughput",
			     (unsigned long long)r.bytes, r.bits_per_second() / 1e9);
	} else {
		std::fprintf(to, "  %-14s %llu, %.1f/s\n",
			     o.mode == Mode::crr ? "connections" : "transactions",
			     (unsigned long long)r.transactions, r.per_second());
		const Percentiles &p = r.latency;
		std::fprintf(to, "  %-14s p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f us\n",
			     "latency", us(p.p50_ns), us(p.p90_ns), us(p.p99_ns), us(p.p999_ns),
			     us(p.max_ns), p.mean_ns / 1000.0);
	}
	std::fprintf(to, "  %-14s client %.3f s (user %.3f, sys %.3f)", "cpu",
		     s(r.client_cpu.total()), s(r.client_cpu.user_ns), s(r.client_cpu.sys_ns));
	if (r.server_cpu_known)
		std::fprintf(to, ", server %.3f s", s(r.server_cpu.total()));
	if (r.engine_cpu_known)
		std::fprintf(to, ", engine %.3f s", s(r.engine_ns));
	std::fprintf(to, "\n");
	if (o.mode == Mode::stream)
		std::fprintf(to, "  %-14s %.3f s per GB\n", "cpu cost", r.cpu_s_per_gb());
	else
		std::fprintf(to, "  %-14s %.2f us per %s\n", "cpu cost", r.cpu_us_per_transaction(),
			     o.mode == Mode::crr ? "connection" : "transaction");
	std::fprintf(to, "  %-14s %.2f\n", "cores used", r.cores());
	std::fprintf(to, "  %-14s %llu (client %llu, server %llu, engine %llu)\n", "ctx switches",
		     (unsigned long long)r.context_switches(),
		     (unsigned long long)r.client_context_switches,
		     (unsigned long long)r.server_context_switches,
		     (unsigned long long)r.engine_context_switches);
	if (r.syscalls())
		std::fprintf(to, "  %-14s %llu (client %llu, server %llu)\n", "syscalls",
			     (unsigned long long)*r.syscalls(), (unsigned long long)*r.client_syscalls,
			     (unsigned long long)*r.server_syscalls);
	else if (r.client_syscalls)
		std::fprintf(to, "  %-14s client %llu, server not counted\n", "syscalls",
			     (unsigned long long)*r.client_syscalls);
	else
		std::fprintf(to, "  %-14s not counted (no raw_syscalls tracepoint to count with)\n",
			     "syscalls");
}

void print_json(const Result &r, std::FILE *to)
{
	const Options &o = r.options;
	const Percentiles &p = r.latency;
	nlohmann::json j = {
		{"backend", backend_name(o.backend)},
		{"mode", mode_name(o.mode)},
		{"proto", proto_name(o.proto)},
		{"peer", endpoint_text(o.endpoint)},
		{"size", o.size},
		{"connections", o.connections},
		{"reverse", o.reverse},
		{"busy_poll", o.busy_poll},
		{"label", o.label},
		{"seconds", r.seconds},
		{"transactions", r.transactions},
		{"transactions_per_second", r.per_second()},
		{"bytes", r.bytes},
		{"bits_per_second", r.bits_per_second()},
		{"latency_ns",
		 {{"count", p.count},
		  {"mean", p.mean_ns},
		  {"p50", p.p50_ns},
		  {"p90", p.p90_ns},
		  {"p99", p.p99_ns},
		  {"p99.9", p.p999_ns},
		  {"max", p.max_ns}}},
		{"cpu_ns",
		 {{"client_user", r.client_cpu.user_ns},
		  {"client_sys", r.client_cpu.sys_ns},
		  {"server", r.server_cpu_known ? nlohmann::json(r.server_cpu.total()) : nlohmann::json()},
		  {"engine", r.engine_cpu_known ? nlohmann::json(r.engine_ns) : nlohmann::json()},
		  {"total", r.cpu_ns()}}},
		{"cpu_s_per_gb", r.cpu_s_per_gb()},
		{"cpu_us_per_transaction", r.cpu_us_per_transaction()},
		{"cores", r.cores()},
		{"context_switches",
		 {{"client", r.client_context_switches},
		  {"server", r.server_cpu_known ? nlohmann::json(r.server_context_switches) : nlohmann::json()},
		  {"engine", r.engine_cpu_known ? nlohmann::json(r.engine_context_switches) : nlohmann::json()},
		  {"total", r.context_switches()}}},
		{"context_switches_per_transaction", r.context_switches_per_transaction()},
		{"syscalls",
		 {{"client", or_null(r.client_syscalls)},
		  {"server", or_null(r.server_syscalls)},
		  {"total", or_null(r.syscalls())}}},
		{"syscalls_per_transaction", or_null(r.syscalls_per_transaction())},
	};
	std::fprintf(to, "%s\n", j.dump().c_str());
}

} // namespace toeperf
