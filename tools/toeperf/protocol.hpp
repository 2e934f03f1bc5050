// SPDX-License-Identifier: MIT
// What a client asks of a toeperf server. Every TCP connection starts with
// one Hello; the server then serves it as asked until the client closes.
// Fields are little-endian: both ends are toeperf on x86 or arm64.
#pragma once

#include <cstdint>

namespace toeperf {

inline constexpr uint32_t kHelloMagic = 0x74706566; // "tpef"

enum class Request : uint32_t {
	echo = 1, // read `size` bytes, answer `size` bytes, until EOF
	sink = 2, // read until EOF, then answer the byte count (8 bytes)
	source = 3, // send `size`-byte chunks for `millis`, then close
	stats = 4, // answer the server process's usage so far (ServerStats)
};

struct Hello {
	uint32_t magic;
	Request request;
	uint32_t size;
	uint32_t millis;
	uint64_t reserved[2];
};
static_assert(sizeof(Hello) == 32);

inline constexpr uint64_t kSyscallsUnknown = ~uint64_t(0);

struct ServerStats {
	uint64_t user_ns; // the server process's whole CPU time so far
	uint64_t sys_ns;
	uint64_t context_switches; // voluntary and involuntary, so far
	uint64_t syscalls; // since the server started, or kSyscallsUnknown
};
static_assert(sizeof(ServerStats) == 32);

// The control area at the start of every backend's send memory.
inline constexpr uint32_t kControlBytes = 64;

} // namespace toeperf
