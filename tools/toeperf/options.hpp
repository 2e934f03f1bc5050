// SPDX-License-Identifier: MIT
// toeperf's command line: the role, the backend, the measure and its knobs.
#pragma once

#include <cstdint>
#include <netinet/in.h>
#include <string>

namespace toeperf {

enum class Role { server, client };
enum class BackendKind { toe, kernel, kernel_epoll, kernel_busypoll, uring, uring_sqpoll };
enum class Mode { pingpong, stream, rr, crr };
enum class Proto { tcp, udp };

struct Options {
	Role role = Role::client;
	BackendKind backend = BackendKind::kernel;
	Mode mode = Mode::pingpong;
	Proto proto = Proto::tcp;
	sockaddr_in endpoint{};
	uint32_t size = 64; // message or chunk bytes
	uint32_t connections = 1; // client: parallel connections; server: listeners
	bool reverse = false; // stream: the server sends
	double seconds = 2.0; // how long the measure runs
	uint64_t count = 0; // pingpong, rr, crr: stop after this many (0: no limit)
	bool busy_poll = false; // toe, uring-sqpoll: never sleep waiting
	uint32_t busy_poll_us = 50; // kernel-busypoll: SO_BUSY_POLL per socket
	bool json = false;
	std::string label; // free text carried into the output
};

// Largest message: 64 KiB for pingpong and rr, and the stream chunk.
inline constexpr uint32_t kMaxSize = 1u << 20;

Options parse_options(int argc, char **argv);

const char *backend_name(BackendKind b);
const char *mode_name(Mode m);
const char *proto_name(Proto p);

[[noreturn]] void die(const std::string &why);
// "-ECONNREFUSED (Connection refused)"-style text for a negative errno.
std::string errno_text(int negative_errno);

} // namespace toeperf
