// SPDX-License-Identifier: MIT
// The hostile application's phases, each on a context of its own.
#pragma once

#include "fuzz_ctx.hpp"

#include <atomic>
#include <netinet/in.h>
#include <random>

namespace hostile {

struct Run {
	uint64_t seed = 0;
	uint64_t target = 1000000; // entries to write in all
	in_addr_t local = 0; // the attached device's address (network order)
	in_addr_t peer = 0; // a Linux host on the wire
	uint16_t udp_base = 41000; // worker i binds udp_base + 8 i + {0, 1}
	uint16_t sink_port = 9999; // UDP sends go to peer:sink_port
	Stats stats;
	HandleBoard board;
	std::atomic<bool> stop{false};
};

// A context with regions and UDP sockets receiving the peer's datagrams,
// fed thousands of requests of every kind, then torn down gracefully
// (everything must complete) or abruptly (memory unmapped, file closed
// with buffers posted).
void chaos_context(Run &run, unsigned worker, std::mt19937_64 &rng);

// Ring indices and read-only ring words overwritten with garbage.
void index_abuse(Run &run, std::mt19937_64 &rng);

// One thread posting, one registering and deregistering, while the main
// thread closes the file under them.
void close_race(Run &run, unsigned worker, std::mt19937_64 &rng);

// ioctls with random numbers, random arguments and bad pointers, and
// mmap with random offsets, sizes and protections.
void random_ioctls(Run &run, std::mt19937_64 &rng);

} // namespace hostile
