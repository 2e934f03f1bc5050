// SPDX-License-Identifier: MIT
// The two shared rings as libtoe sees them: index arithmetic over
// free-running u32 counters, and the checks that turn the module's
// offsets into pointers.
#pragma once

#include <linux/toe.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "barrier.hpp"

namespace toe::detail {

// Where a ring's parts sit inside its mapping, checked against its size.
// Every offset in toe_ring_offsets is a byte offset into the ring's own
// mapping: of the head index, the tail index, the mask, the entry count and
// the first entry (as in io_uring's io_sqring_offsets).
struct RingLayout {
	uint32_t *head = nullptr;
	uint32_t *tail = nullptr;
	void *entries = nullptr;
	uint32_t mask = 0;
	uint32_t size = 0;
};

// 0, or -EPROTO when the offsets do not describe a sane ring of entry_size
// entries inside [base, base + map_size).
int map_ring(const toe_ring_offsets &off, void *base, size_t map_size,
	     size_t entry_size, RingLayout *out);

// The request queue: the application produces, the engine consumes.
struct SubmissionRing {
	uint32_t *khead = nullptr; // the engine's consumer index
	uint32_t *ktail = nullptr; // ours, published with a release store
	toe_sqe *entries = nullptr;
	uint32_t mask = 0;
	uint32_t size = 0;
	uint32_t tail = 0; // next entry to reserve
	uint32_t published = 0; // the tail the engine has been shown

	void attach(const RingLayout &l)
	{
		khead = l.head;
		ktail = l.tail;
		entries = static_cast<toe_sqe *>(l.entries);
		mask = l.mask;
		size = l.size;
		tail = published = toe_read_once(ktail);
	}

	// Entries in use: published and not yet taken, plus reserved. A head
	// that runs ahead of our tail (a broken engine) counts as full.
	uint32_t used() const
	{
		uint32_t head = toe_smp_load_acquire(khead);
		uint32_t n = tail - head;
		return n > size ? size : n;
	}

	uint32_t space() const { return size - used(); }

	toe_sqe *reserve()
	{
		if (used() >= size)
			return nullptr;
		return &entries[tail++ & mask];
	}

	// Shows the engine every reserved entry; returns how many.
	uint32_t publish()
	{
		uint32_t n = tail - published;
		if (n) {
			toe_smp_store_release(ktail, tail);
			published = tail;
		}
		return n;
	}
};

// The completion queue: the engine produces, the application consumes.
struct CompletionRing {
	uint32_t *khead = nullptr; // ours, published with a release store
	uint32_t *ktail = nullptr; // the engine's producer index
	toe_cqe *entries = nullptr;
	uint32_t mask = 0;
	uint32_t size = 0;
	uint32_t head = 0; // our copy: only we write khead

	void attach(const RingLayout &l)
	{
		khead = l.head;
		ktail = l.tail;
		entries = static_cast<toe_cqe *>(l.entries);
		mask = l.mask;
		size = l.size;
		head = toe_read_once(khead);
	}

	// Completions ready; never more than the ring holds, whatever the
	// tail says.
	uint32_t ready() const
	{
		uint32_t n = toe_smp_load_acquire(ktail) - head;
		return n > size ? size : n;
	}

	toe_cqe *at(uint32_t i) const { return &entries[(head + i) & mask]; }

	void advance(uint32_t n)
	{
		if (!n)
			return;
		head += n;
		toe_smp_store_release(khead, head);
	}
};

// After publishing the tail: the full barrier, then the engine's flag. True
// when the engine sleeps and must be kicked.
inline bool engine_needs_kick(const toe_doorbell *db)
{
	toe_smp_mb();
	return toe_read_once(&db->flags) & TOE_DB_NEED_WAKEUP;
}

} // namespace toe::detail
