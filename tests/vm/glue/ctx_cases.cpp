// SPDX-License-Identifier: MIT
// Contexts: setup, geometry, mappings, fork, TOE_IOC_ENTER.
#include "raw.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

namespace glue {
namespace {

uint32_t ring_word(const uint8_t *base, uint32_t off)
{
	uint32_t v;
	std::memcpy(&v, base + off, sizeof(v));
	return v;
}

void *try_map(int fd, uint64_t off, size_t len, int prot = PROT_READ | PROT_WRITE,
	      int flags = MAP_SHARED)
{
	void *p = ::mmap(nullptr, len, prot, flags, fd, off);
	return p;
}

long map_errno(int fd, uint64_t off, size_t len, int prot = PROT_READ | PROT_WRITE,
	       int flags = MAP_SHARED)
{
	void *p = try_map(fd, off, len, prot, flags);
	if (p == MAP_FAILED)
		return -errno;
	::munmap(p, len);
	return 0;
}

} // namespace

GLUE_CASE(version_reports_rings)
{
	RawCtx ctx(false);
	toe_version_info v{};
	check_errno(xioctl(ctx.fd(), TOE_IOC_GET_VERSION, &v), 0, "GET_VERSION");
	check(v.abi_major == TOE_ABI_MAJOR, "ABI major");
	check((v.features & (TOE_FEAT_CONTEXT | TOE_FEAT_RINGS | TOE_FEAT_ANON)) ==
		      (TOE_FEAT_CONTEXT | TOE_FEAT_RINGS | TOE_FEAT_ANON),
	      "feature bits");
	check(v.context_id != 0, "context id");
}

GLUE_CASE(setup_rejects_bad_sizes)
{
	struct Bad {
		const char *what;
		void (*edit)(toe_setup &);
	};
	const Bad bad[] = {
		{"sq 0", [](toe_setup &s) { s.sq_entries = 0; }},
		{"sq too big", [](toe_setup &s) { s.sq_entries = TOE_SQ_ENTRIES_MAX + 1; }},
		{"cq too big", [](toe_setup &s) { s.cq_entries = TOE_CQ_ENTRIES_MAX + 1; }},
		{"cq smaller than sq", [](toe_setup &s) { s.sq_entries = 256, s.cq_entries = 16; }},
		{"unknown flag", [](toe_setup &s) { s.flags = 1u << 7; }},
		{"reserved0", [](toe_setup &s) { s.reserved0 = 1; }},
		{"reserved1", [](toe_setup &s) { s.reserved1[1] = 1; }},
		{"anon count without flag", [](toe_setup &s) { s.anon_count = 4; }},
		{"anon size without flag", [](toe_setup &s) { s.anon_size = 2048; }},
		{"anon count 0", [](toe_setup &s) { s.flags = TOE_SETUP_F_ANON, s.anon_size = 2048; }},
		{"anon count too big",
		 [](toe_setup &s) {
			 s.flags = TOE_SETUP_F_ANON, s.anon_count = TOE_ANON_COUNT_MAX + 1,
			 s.anon_size = 2048;
		 }},
		{"anon size not a multiple of 2048",
		 [](toe_setup &s) { s.flags = TOE_SETUP_F_ANON, s.anon_count = 4, s.anon_size = 3000; }},
		{"anon size too big",
		 [](toe_setup &s) {
			 s.flags = TOE_SETUP_F_ANON, s.anon_count = 4,
			 s.anon_size = TOE_ANON_SIZE_MAX + 2048;
		 }},
	};
	RawCtx ctx(false);
	for (const auto &b : bad) {
		toe_setup s = default_setup();
		b.edit(s);
		check_errno(xioctl(ctx.fd(), TOE_IOC_SETUP, &s), EINVAL, b.what);
	}
	// Nothing of the failed attempts stuck: a good setup still works.
	check_errno(ctx.setup(default_setup()), 0, "setup after the bad ones");
	toe_setup again = default_setup();
	check_errno(xioctl(ctx.fd(), TOE_IOC_SETUP, &again), EBUSY, "second setup");
}

GLUE_CASE(setup_rounds_and_reports_geometry)
{
	toe_setup s = default_setup(100);
	s.flags = TOE_SETUP_F_ANON;
	s.anon_count = 3;
	s.anon_size = 2048;
	RawCtx ctx(s);
	const toe_setup &g = ctx.geometry();
	check(g.sq_entries == 128, "sq rounded up to 128");
	check(g.cq_entries == 256, "cq defaults to twice the sq");
	check(g.doorbell_size == uint32_t(getpagesize()), "doorbell is one page");
	check(g.sq_size >= g.sq_off.entries + 128 * sizeof(toe_sqe), "sq size covers the entries");
	check(g.cq_size >= g.cq_off.entries + 256 * sizeof(toe_cqe), "cq size covers the entries");
	check(g.sq_off.head / 64 != g.sq_off.tail / 64, "head and tail on separate cache lines");
	check(g.anon_region != 0, "anon pool region handle");
	check(g.anon_pool_size >= 3 * 2048, "anon pool size");

	auto *sq = reinterpret_cast<const uint8_t *>(ctx.sq_head()) - g.sq_off.head;
	auto *cq = reinterpret_cast<const uint8_t *>(ctx.cq_head()) - g.cq_off.head;
	check(ring_word(sq, g.sq_off.ring_mask) == 127, "sq mask in the mapping");
	check(ring_word(sq, g.sq_off.ring_entries) == 128, "sq entries in the mapping");
	check(ring_word(cq, g.cq_off.ring_mask) == 255, "cq mask in the mapping");
	check(ring_word(cq, g.cq_off.ring_entries) == 256, "cq entries in the mapping");
	// The pool is ours to read and write.
	std::memset(ctx.anon(), 0xab, 3 * 2048);
}

GLUE_CASE(mmap_rejects_bad_requests)
{
	RawCtx fresh(false);
	check_errno(map_errno(fresh.fd(), TOE_MMAP_SQ, 4096), EINVAL, "mmap before setup");

	RawCtx ctx;
	const toe_setup &g = ctx.geometry();
	const size_t page = size_t(getpagesize());
	check_errno(map_errno(ctx.fd(), TOE_MMAP_SQ + page, g.sq_size), EINVAL, "offset inside SQ");
	check_errno(map_errno(ctx.fd(), 0x40000000ULL, page), EINVAL, "unknown offset");
	check_errno(map_errno(ctx.fd(), TOE_MMAP_ANON, page), EINVAL, "anon without a pool");
	check_errno(map_errno(ctx.fd(), TOE_MMAP_SQ, g.sq_size + page), EINVAL, "SQ too long");
	if (g.cq_size > page)
		check_errno(map_errno(ctx.fd(), TOE_MMAP_CQ, g.cq_size - page), EINVAL,
			    "CQ too short");
	check_errno(map_errno(ctx.fd(), TOE_MMAP_DOORBELL, page, PROT_READ | PROT_EXEC), EPERM,
		    "executable doorbell");
	check_errno(map_errno(ctx.fd(), TOE_MMAP_SQ, g.sq_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE),
		    EINVAL, "private SQ");
	check_errno(map_errno(ctx.fd(), TOE_MMAP_CQ, g.cq_size), 0, "a second CQ mapping");

	void *p = try_map(ctx.fd(), TOE_MMAP_DOORBELL, page);
	check(p != MAP_FAILED, "doorbell mapping");
	check(::mprotect(p, page, PROT_READ | PROT_EXEC) != 0 && errno == EACCES,
	      "doorbell cannot become executable");
	check(::mremap(p, page, 2 * page, 0) == MAP_FAILED, "doorbell cannot grow");
	::munmap(p, page);
}

// A forked child inherits the file but neither the mappings nor the right
// to use the context.
GLUE_CASE(fork_child_cannot_use_context)
{
	RawCtx ctx;
	uint32_t *sq_tail = ctx.sq_tail();
	std::vector<char> buf(8192);
	int status = run_child([&] {
		check_errno(ctx.enter(TOE_ENTER_F_KICK), EPERM, "child ENTER");
		toe_reg_mr r{};
		r.addr = reinterpret_cast<uintptr_t>(buf.data());
		r.len = buf.size();
		check_errno(xioctl(ctx.fd(), TOE_IOC_REG_MR, &r), EPERM, "child REG_MR");
		toe_dereg_mr d{1, 0};
		check_errno(xioctl(ctx.fd(), TOE_IOC_DEREG_MR, &d), EPERM, "child DEREG_MR");
		toe_setup s = default_setup();
		check_errno(xioctl(ctx.fd(), TOE_IOC_SETUP, &s), EPERM, "child SETUP");
		check_errno(map_errno(ctx.fd(), TOE_MMAP_DOORBELL, size_t(getpagesize())), EPERM,
			    "child mmap");
		unsigned char vec;
		void *page = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(sq_tail) &
						      ~uintptr_t(getpagesize() - 1));
		check(::mincore(page, 1, &vec) != 0 && errno == ENOMEM,
		      "the SQ mapping is not inherited");
		toe_version_info v{};
		check_errno(xioctl(ctx.fd(), TOE_IOC_GET_VERSION, &v), 0, "child GET_VERSION");
	});
	check(status == 0, "child checks (status " + std::to_string(status) + ")");
	// The parent's context is untouched.
	check_errno(ctx.enter(TOE_ENTER_F_WAIT, 1, 0), ETIME, "parent ENTER still works");
}

GLUE_CASE(enter_checks_arguments)
{
	RawCtx fresh(false);
	check_errno(fresh.enter(TOE_ENTER_F_WAIT, 1, 0), EINVAL, "ENTER before setup");

	RawCtx ctx;
	check_errno(ctx.enter(1u << 5), EINVAL, "unknown ENTER flag");
	check_errno(ctx.enter(TOE_ENTER_F_WAIT, ctx.geometry().cq_entries + 1, 0), EINVAL,
		    "min_complete beyond the CQ");
	check_errno(ctx.enter(TOE_ENTER_F_WAIT, 1, 1000000), ETIME, "1 ms wait on an empty CQ");
	check_errno(ctx.enter(0), 0, "ENTER without flags");
	pollfd p{ctx.fd(), POLLIN, 0};
	check(::poll(&p, 1, 0) == 0, "poll: nothing to read on an empty CQ");
}

// A context set up before any engine is attached queues its requests and
// gets them run by the first engine attached in its namespace.
GLUE_CASE(parked_context_runs_after_attach)
{
	RawCtx ctx;
	toe_sqe nop{};
	nop.opcode = TOE_OP_NOP;
	nop.user_data = 0x5eed;
	ctx.submit(nop);
	check_errno(ctx.enter(TOE_ENTER_F_KICK), 0, "kick without an engine");
	check(ctx.cq_ready() == 0, "no completion without an engine");
	Attach attach;
	toe_cqe c = ctx.expect([](const toe_cqe &q) { return q.user_data == 0x5eed; },
			       "the queued NOP after attach");
	check(c.type == TOE_CQE_REQ && c.res == 0, "NOP completion");
}

} // namespace glue
