// SPDX-License-Identifier: MIT
// A context whose doorbell page and rings are plain memory, laid out the
// way the module describes them, so libtoe's ring code runs without the
// module. Its fd is /dev/null: any ioctl libtoe issues fails with -ENOTTY,
// which is how the tests see whether libtoe entered the kernel.
#pragma once

#include "handle.hpp"

#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace toe::test {

// Where the fake module puts things inside each ring's mapping: indices on
// their own cache lines, then the mask and size, then the entries.
constexpr uint32_t kHeadOff = 0;
constexpr uint32_t kTailOff = 64;
constexpr uint32_t kMaskOff = 128;
constexpr uint32_t kEntriesOff = 132;
constexpr uint32_t kArrayOff = 192;

inline toe_ring_offsets fake_offsets()
{
	toe_ring_offsets o{};
	o.head = kHeadOff;
	o.tail = kTailOff;
	o.ring_mask = kMaskOff;
	o.ring_entries = kEntriesOff;
	o.entries = kArrayOff;
	return o;
}

// The bytes of one ring's mapping, as the module would fill them.
inline std::vector<unsigned char> fake_ring(uint32_t entries, size_t entry_size, uint32_t start)
{
	std::vector<unsigned char> m(kArrayOff + entries * entry_size);
	uint32_t mask = entries - 1;
	std::memcpy(&m[kHeadOff], &start, 4);
	std::memcpy(&m[kTailOff], &start, 4);
	std::memcpy(&m[kMaskOff], &mask, 4);
	std::memcpy(&m[kEntriesOff], &entries, 4);
	return m;
}

struct FakeContext {
	toe_doorbell db{};
	std::vector<unsigned char> sq_mem, cq_mem;
	std::vector<unsigned char> anon_mem;
	toe_setup setup{};
	toe_handle h;
	int attach_result;

	// start: the value both indices of both rings begin at, to test the
	// wraparound of the free-running counters.
	explicit FakeContext(uint32_t sq_entries = 8, uint32_t cq_entries = 16, uint32_t start = 0,
			     uint32_t anon_count = 0, uint32_t anon_size = 2048)
		: sq_mem(fake_ring(sq_entries, sizeof(toe_sqe), start)),
		  cq_mem(fake_ring(cq_entries, sizeof(toe_cqe), start))
	{
		setup.sq_off = fake_offsets();
		setup.cq_off = fake_offsets();
		setup.doorbell_size = sizeof(db);
		setup.sq_size = uint32_t(sq_mem.size());
		setup.cq_size = uint32_t(cq_mem.size());
		toe::detail::ContextMemory mem;
		mem.doorbell = &db;
		mem.doorbell_len = sizeof(db);
		mem.sq = sq_mem.data();
		mem.sq_len = sq_mem.size();
		mem.cq = cq_mem.data();
		mem.cq_len = cq_mem.size();
		if (anon_count) {
			anon_mem.resize(size_t(anon_count) * anon_size);
			setup.flags |= TOE_SETUP_F_ANON;
			setup.anon_count = anon_count;
			setup.anon_size = anon_size;
			setup.anon_region = 77;
			setup.anon_pool_size = anon_mem.size();
			mem.anon = anon_mem.data();
			mem.anon_len = anon_mem.size();
		}
		h.fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		attach_result = toe::detail::attach_context(&h, setup, mem);
	}
	~FakeContext() { ::close(h.fd); }

	FakeContext(const FakeContext &) = delete;
	FakeContext &operator=(const FakeContext &) = delete;

	uint32_t &sq_head() { return *reinterpret_cast<uint32_t *>(&sq_mem[kHeadOff]); }
	uint32_t &sq_tail() { return *reinterpret_cast<uint32_t *>(&sq_mem[kTailOff]); }
	uint32_t &cq_head() { return *reinterpret_cast<uint32_t *>(&cq_mem[kHeadOff]); }
	uint32_t &cq_tail() { return *reinterpret_cast<uint32_t *>(&cq_mem[kTailOff]); }
	uint32_t sq_size() const { return uint32_t((sq_mem.size() - kArrayOff) / sizeof(toe_sqe)); }
	uint32_t cq_size() const { return uint32_t((cq_mem.size() - kArrayOff) / sizeof(toe_cqe)); }

	toe_sqe &sqe_at(uint32_t index)
	{
		auto *e = reinterpret_cast<toe_sqe *>(&sq_mem[kArrayOff]);
		return e[index & (sq_size() - 1)];
	}

	// The engine's side: consume every published request.
	std::vector<toe_sqe> engine_take_all()
	{
		std::vector<toe_sqe> out;
		while (sq_head() != sq_tail())
			out.push_back(sqe_at(sq_head()++));
		return out;
	}

	// The engine's side: post one completion.
	void engine_post(const toe_cqe &c)
	{
		auto *e = reinterpret_cast<toe_cqe *>(&cq_mem[kArrayOff]);
		e[cq_tail() & (cq_size() - 1)] = c;
		cq_tail()++;
	}
};

} // namespace toe::test
