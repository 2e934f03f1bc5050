// SPDX-License-Identifier: MIT
// The state behind a struct toe_handle, and the library's internal calls.
#pragma once

#include <toe/toe.h>

#include <cstddef>
#include <cstdint>

#include "ring.hpp"

struct toe_handle {
	int fd = -1;
	toe_doorbell *db = nullptr;
	toe::detail::SubmissionRing sq;
	toe::detail::CompletionRing cq;

	// What toe_close() unmaps: the doorbell page, SQ, CQ, anonymous pool.
	struct Mapping {
		void *addr = nullptr;
		size_t len = 0;
	};
	Mapping maps[4];

	bool has_anon = false;
	void *anon_base = nullptr;
	uint64_t anon_bytes = 0;
	uint32_t anon_count = 0;
	uint32_t anon_buf_size = 0;
	uint32_t anon_region = 0;

	uint32_t spin_us = TOE_DEFAULT_SPIN_US;
	bool spin = true;
	// Spins in a row that found nothing, and waits since the last spin
	// once spinning stopped paying (complete.cpp).
	uint32_t spin_misses = 0;
	uint32_t waits_since_probe = 0;
};

namespace toe::detail {

// The memory the module mapped for a context, wherever it came from: mmap
// of /dev/toe, or plain memory in the unit tests.
struct ContextMemory {
	void *doorbell = nullptr;
	size_t doorbell_len = 0;
	void *sq = nullptr;
	size_t sq_len = 0;
	void *cq = nullptr;
	size_t cq_len = 0;
	void *anon = nullptr;
	size_t anon_len = 0;
};

// Points the handle's rings, doorbell and pool into mem as setup describes
// them. 0, or -EPROTO when the geometry does not fit the memory.
int attach_context(toe_handle *h, const toe_setup &setup, const ContextMemory &mem);

// Wakes the engine: TOE_IOC_ENTER with TOE_ENTER_F_KICK.
int kick_engine(toe_handle *h);

// Publishes the reserved entries and kicks a sleeping engine: the body of
// toe_submit().
int submit(toe_handle *h);

// Publishes the reserved entries with no kick; returns how many.
uint32_t publish(toe_handle *h);

// Sleeps in the kernel until a completion is ready or timeout_ns passes.
int enter_wait(toe_handle *h, int64_t timeout_ns);

} // namespace toe::detail
