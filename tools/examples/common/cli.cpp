// SPDX-License-Identifier: MIT
#include "common/cli.hpp"
#include "common/net.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace toe::example {

volatile std::sig_atomic_t stop_requested = 0;

namespace {

const char *prog = "toe-example";

extern "C" void on_stop_signal(int) { stop_requested = 1; }

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

} // namespace

void install_stop_signals()
{
	struct sigaction sa{};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	// No SA_RESTART: a sleep in the kernel returns, and we look at the flag.
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
}

void set_program_name(const char *argv0)
{
	const char *slash = std::strrchr(argv0, '/');
	prog = slash ? slash + 1 : argv0;
}

const char *program_name() { return prog; }

void die(const std::string &message)
{
	std::fprintf(stderr, "%s: %s\n", prog, message.c_str());
	std::exit(1);
}

void usage_error(const std::string &message)
{
	std::fprintf(stderr, "%s: %s (see --help)\n", prog, message.c_str());
	std::exit(2);
}

uint64_t size_option(const char *option, const char *value)
{
	std::optional<uint64_t> v = parse_size(value);
	if (!v)
		usage_error(std::string("bad size for ") + option + ": '" + value + "'");
	return *v;
}

sockaddr_in endpoint_option(const char *option, const char *value)
{
	std::optional<sockaddr_in> sin = parse_endpoint(value);
	if (!sin)
		usage_error(std::string("bad ADDR:PORT for ") + option + ": '" + value + "'");
	return *sin;
}

std::optional<toe_cqe> Completions::next(std::chrono::milliseconds idle_limit)
{
	if (busy_) {
		while (!stop_requested) {
			if (std::optional<toe_cqe> c = dev_.poll())
				return c;
			cpu_relax();
		}
		return std::nullopt;
	}
	// Sleep in slices so that a signal is noticed even if it lands just
	// before the sleep begins.
	auto slice = std::chrono::milliseconds(200);
	// Read the clock only for a limit: each read may be a syscall (where
	// the clock source has no vDSO, as under emulation).
	std::chrono::steady_clock::time_point idle_end{};
	if (idle_limit.count())
		idle_end = std::chrono::steady_clock::now() + idle_limit;
	while (!stop_requested) {
		if (std::optional<toe_cqe> c = dev_.wait(slice))
			return c;
		if (idle_limit.count() && std::chrono::steady_clock::now() >= idle_end)
			break;
	}
	return std::nullopt;
}

std::string describe_result(int32_t res)
{
	std::string s = "res=" + std::to_string(res);
	if (res < 0)
		s += std::string(" (") + std::strerror(-res) + ")";
	return s;
}

std::string describe(const toe_cqe &c)
{
	char buf[256];
	std::snprintf(buf, sizeof(buf),
		      "%s handle=%u user_data=%#llx res=%d bytes=%u reason=%s new_handle=%u",
		      toe_cqe_type_name(c.type), c.handle, (unsigned long long)c.user_data, c.res,
		      c.bytes, toe_reason_name(c.reason), c.new_handle);
	return buf;
}

} // namespace toe::example
