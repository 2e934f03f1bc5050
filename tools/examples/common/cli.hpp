// SPDX-License-Identifier: MIT
// What every example shares: option values, fatal errors, stopping on a
// signal, and waiting for the next completion either by busy-polling or by
// sleeping in the kernel.
#pragma once

#include <toe/toe.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <netinet/in.h>
#include <optional>
#include <string>

namespace toe::example {

// Set by SIGINT and SIGTERM once install_stop_signals() ran.
extern volatile std::sig_atomic_t stop_requested;
void install_stop_signals();

// Prints "PROG: MESSAGE" to stderr and exits with status 1 (2 for usage).
[[noreturn]] void die(const std::string &message);
[[noreturn]] void usage_error(const std::string &message);
void set_program_name(const char *argv0);
const char *program_name();

// Option values; a bad one is a usage error naming the option.
uint64_t size_option(const char *option, const char *value);
sockaddr_in endpoint_option(const char *option, const char *value);

// Where completions come from.
class Completions {
public:
	Completions(Device &dev, bool busy_poll) : dev_(dev), busy_(busy_poll) {}

	// The next completion. Busy-polling spins on the ring and makes no
	// syscall at all (not even a clock read); otherwise it sleeps in the
	// kernel. Empty once a stop signal came, or after idle_limit without
	// a completion (sleeping mode only; zero: no limit).
	std::optional<toe_cqe> next(std::chrono::milliseconds idle_limit = std::chrono::milliseconds(0));

private:
	Device &dev_;
	bool busy_;
};

// "res=-104 (Connection reset by peer)"
std::string describe_result(int32_t res);

// A completion in one line, for --verbose.
std::string describe(const toe_cqe &c);

} // namespace toe::example
