// SPDX-License-Identifier: MIT
// Ring indices and read-only ring words overwritten, the file closed under
// threads that post and register, and random ioctls and mappings.
#include "hostile_ops.hpp"

#include <fcntl.h>
#include <memory>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

namespace hostile {
namespace {

constexpr uint64_t kGarbageTag = 0xdead000000000000ull;

void random_bytes(std::mt19937_64 &rng, void *p, size_t len)
{
	auto *b = static_cast<uint8_t *>(p);
	for (size_t i = 0; i < len; i++)
		b[i] = uint8_t(rng());
}

template <typename T> void store_release(T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

template <typename T> T load_acquire(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

// The SQ filled with refused garbage and its tail set far ahead of, or
// behind, the head: the engine reads a ring's worth at a time, and every
// completion it writes is an error.
void garbage_tail(Run &run, FuzzCtx &ctx, std::mt19937_64 &rng)
{
	const toe_setup &g = ctx.geometry();
	for (uint32_t i = 0; i < g.sq_entries; i++) {
		toe_sqe s;
		random_bytes(rng, &s, sizeof(s));
		s.reserved |= 1;
		s.user_data = kGarbageTag | i;
		ctx.sq_entries()[i] = s;
	}
	uint32_t *tail = ctx.sq_word(g.sq_off.tail);
	uint32_t *cq_head = ctx.cq_word(g.cq_off.head);
	uint32_t *cq_tail = ctx.cq_word(g.cq_off.tail);
	auto *cqes = reinterpret_cast<const toe_cqe *>(reinterpret_cast<const uint8_t *>(cq_tail) -
						       g.cq_off.tail + g.cq_off.entries);
	uint32_t head = 0, seen = 0;
	const uint32_t want = g.sq_entries * (1 + uint32_t(rng() % 4));
	for (int round = 0; seen < want && round < glue::kWaitMs / 10; round++) {
		if (round % 8 == 0) {
			uint32_t sq_head = load_acquire(ctx.sq_word(g.sq_off.head));
			uint32_t garbage = rng() % 2 ? sq_head + g.sq_entries + 1 + uint32_t(rng() >> 33)
						     : sq_head - 1 - uint32_t(rng() % g.sq_entries);
			store_release(tail, garbage);
			ctx.kick();
		}
		uint32_t t = load_acquire(cq_tail);
		for (; head != t; head++, seen++) {
			const toe_cqe &c = cqes[head & (g.cq_entries - 1)];
			if (c.type != TOE_CQE_REQ || c.res >= 0 ||
			    (c.user_data & 0xffff000000000000ull) != kGarbageTag)
				run.stats.note_wrong("garbage tail: a completion that is not an error "
						     "for a garbage slot: res " +
						     glue::errno_name(c.res));
			run.stats.garbage_index_completions++;
			run.stats.entries++;
		}
		store_release(cq_head, head);
		if (seen < want)
			::usleep(10000);
	}
	if (seen < want)
		run.stats.note_wrong("garbage tail: " + std::to_string(seen) + " completions of " +
				     std::to_string(want));
}

// A CQ head outside the ring stops this context's requests; written back,
// the requests complete.
void garbage_cq_head(FuzzCtx &ctx, std::mt19937_64 &rng)
{
	const toe_setup &g = ctx.geometry();
	store_release(ctx.cq_word(g.cq_off.head), uint32_t(rng()));
	for (uint32_t i = 0; i < g.sq_entries; i++) {
		toe_sqe s{};
		s.opcode = TOE_OP_NOP;
		ctx.push(s, Expect::succeed);
	}
	ctx.flush();
	ctx.kick();
	// reap() writes our own head back.
	ctx.settle(glue::kWaitMs);
}

// The words only the engine writes, and the ones it never reads back,
// scribbled over: the engine keeps its own copies.
void scribbled_words(FuzzCtx &ctx, std::mt19937_64 &rng)
{
	const toe_setup &g = ctx.geometry();
	*ctx.sq_word(g.sq_off.ring_mask) = uint32_t(rng());
	*ctx.sq_word(g.sq_off.ring_entries) = uint32_t(rng());
	*ctx.cq_word(g.cq_off.ring_mask) = uint32_t(rng());
	*ctx.cq_word(g.cq_off.ring_entries) = uint32_t(rng());
	toe_doorbell *db = ctx.doorbell();
	db->flags = uint32_t(rng());
	db->reserved0 = uint32_t(rng());
	db->kicks = rng();
	db->cq_armed = uint32_t(rng());
	for (uint32_t i = 0; i < 3 * g.sq_entries; i++) {
		toe_sqe s{};
		s.opcode = TOE_OP_NOP;
		ctx.push(s, Expect::succeed);
	}
	ctx.flush();
	ctx.kick();
	ctx.settle(glue::kWaitMs);
	// And the indices the engine owns, just before the context goes.
	*ctx.sq_word(g.sq_off.head) = uint32_t(rng());
	*ctx.cq_word(g.cq_off.tail) = uint32_t(rng());
	ctx.kick();
}

} // namespace

void index_abuse(Run &run, std::mt19937_64 &rng)
{
	toe_setup p{};
	p.sq_entries = 8u << (rng() % 4);
	p.cq_entries = p.sq_entries * 4;
	FuzzCtx ctx(run.stats, p);
	switch (rng() % 3) {
	case 0:
		garbage_tail(run, ctx, rng);
		break;
	case 1:
		garbage_cq_head(ctx, rng);
		break;
	default:
		scribbled_words(ctx, rng);
		break;
	}
}

void close_race(Run &run, unsigned worker, std::mt19937_64 &rng)
{
	toe_setup p{};
	p.sq_entries = 64;
	auto ctx = std::make_unique<FuzzCtx>(run.stats, p);
	const toe_setup g = ctx->geometry();
	constexpr size_t kLen = 64 * 1024;
	void *mem = ::mmap(nullptr, kLen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			   0);
	glue::check(mem != MAP_FAILED, "mmap");
	toe_reg_mr r{};
	r.addr = reinterpret_cast<uintptr_t>(mem);
	r.len = kLen;
	glue::check_errno(glue::xioctl(ctx->fd(), TOE_IOC_REG_MR, &r), 0, "REG_MR");
	toe_sqe s{};
	s.opcode = TOE_OP_SOCKET;
	s.proto = TOE_PROTO_UDP;
	toe_cqe c = ctx->call(s);
	glue::check_errno(c.res, 0, "SOCKET");
	uint32_t sock = c.handle;
	s = {};
	s.opcode = TOE_OP_BIND;
	s.handle = sock;
	s.addr = run.local;
	s.port = htons(uint16_t(run.udp_base + 8 * worker + 2));
	c = ctx->call(s);
	glue::check(c.res == 0 || c.res == -EADDRINUSE, "BIND: " + glue::errno_name(c.res));

	const int fd = ctx->fd();
	const uint64_t seed = rng();
	std::atomic<bool> stop{false};
	std::atomic<uint64_t> written{0};
	toe_sqe *entries = ctx->sq_entries();
	uint32_t *sq_tail = ctx->sq_word(g.sq_off.tail);
	uint32_t *cq_head = ctx->cq_word(g.cq_off.head);
	uint32_t *cq_tail = ctx->cq_word(g.cq_off.tail);
	uint32_t start_tail = ctx->sq_local_tail();

	// Posts buffers, NOPs and garbage as fast as it can, keeping the CQ
	// empty without reading it, and kicks through the fd.
	std::thread poster([&] {
		std::mt19937_64 prng(seed);
		uint32_t tail = start_tail;
		while (!stop.load(std::memory_order_relaxed)) {
			for (int i = 0; i < 16; i++) {
				toe_sqe e{};
				switch (prng() % 3) {
				case 0:
					e.opcode = TOE_OP_NOP;
					break;
				case 1:
					e.opcode = TOE_OP_POST_BUF;
					e.handle = sock;
					e.region = r.handle;
					e.offset = prng() % (kLen / 2);
					e.len = 1 + uint32_t(prng() % 4096);
					break;
				default:
					random_bytes(prng, &e, sizeof(e));
					break;
				}
				entries[tail & (g.sq_entries - 1)] = e;
				tail++;
			}
			written += 16;
			store_release(sq_tail, tail);
			store_release(cq_head, load_acquire(cq_tail));
			toe_enter en{};
			en.flags = TOE_ENTER_F_KICK;
			glue::xioctl(fd, TOE_IOC_ENTER, &en);
		}
	});
	// Registers and deregisters overlapping ranges, and the region the
	// poster uses.
	std::thread regions([&] {
		std::mt19937_64 prng(seed ^ 0x5a5a);
		while (!stop.load(std::memory_order_relaxed)) {
			toe_reg_mr reg{};
			size_t off = prng() % kLen;
			reg.addr = reinterpret_cast<uintptr_t>(mem) + off;
			reg.len = 1 + prng() % (kLen - off);
			if (glue::xioctl(fd, TOE_IOC_REG_MR, &reg) == 0) {
				toe_dereg_mr d{reg.handle, 0};
				glue::xioctl(fd, TOE_IOC_DEREG_MR, &d);
			}
			toe_dereg_mr d{r.handle, 0};
			glue::xioctl(fd, TOE_IOC_DEREG_MR, &d);
			run.stats.ioctls += 3;
		}
	});
	::usleep(useconds_t(rng() % 20000));
	// Closing the descriptor under the threads: dup2 replaces it in one
	// step, so its number never names another context meanwhile.
	int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
	glue::check(null_fd >= 0, "open /dev/null");
	::dup2(null_fd, fd);
	::close(null_fd);
	::usleep(useconds_t(rng() % 5000));
	stop = true;
	poster.join();
	regions.join();
	run.stats.entries += written.load();
	ctx->abandon();
	// The last reference goes with the mappings, while the engine may
	// still be working through the SQ.
	bool unmapped_first = rng() % 2;
	if (unmapped_first)
		::munmap(mem, kLen);
	ctx->unmap_all();
	ctx->close_fd(); // closes the /dev/null now in its place
	ctx.reset();
	if (!unmapped_first)
		::munmap(mem, kLen);
}

void random_ioctls(Run &run, std::mt19937_64 &rng)
{
	std::unique_ptr<FuzzCtx> ctx;
	int fd;
	if (rng() % 2) {
		toe_setup p{};
		p.sq_entries = 16;
		ctx = std::make_unique<FuzzCtx>(run.stats, p);
		fd = ctx->fd();
	} else {
		fd = glue::open_dev();
		glue::check(fd >= 0, "open /dev/toe: " + glue::errno_name(fd));
	}
	static const unsigned long known[] = {TOE_IOC_GET_VERSION, TOE_IOC_SETUP,  TOE_IOC_REG_MR,
					      TOE_IOC_DEREG_MR,	   TOE_IOC_ENTER,  TOE_IOC_ATTACH,
					      TOE_IOC_DETACH};
	// An address that was mapped a moment ago.
	void *hole = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	::munmap(hole, 4096);
	alignas(8) uint8_t arg[256];
	for (int i = 0; i < 200; i++) {
		random_bytes(rng, arg, sizeof(arg));
		void *ptr = arg;
		switch (rng() % 6) {
		case 0:
			ptr = nullptr;
			break;
		case 1:
			ptr = reinterpret_cast<void *>(0xffff888000000000ull);
			break;
		case 2:
			ptr = hole;
			break;
		default:
			break;
		}
		unsigned long cmd;
		int must = 0; // errno the call must give, 0: any (but no crash)
		switch (rng() % 4) {
		case 0:
		case 1:
			cmd = known[rng() % (sizeof(known) / sizeof(known[0]))];
			if (cmd == TOE_IOC_ENTER && ptr == arg) // never sleep
				reinterpret_cast<toe_enter *>(arg)->flags &= ~TOE_ENTER_F_WAIT;
			if ((cmd == TOE_IOC_ATTACH || cmd == TOE_IOC_DETACH) && ptr == arg)
				must = EPERM;
			if (cmd == TOE_IOC_GET_VERSION && ptr == arg)
				must = -1; // must succeed
			break;
		case 2: // an unknown command number
			cmd = _IOC(rng() % 4, TOE_IOC_MAGIC, 7 + rng() % 249, rng() % 512);
			must = ENOTTY;
			break;
		default: // a known number with the wrong size or direction
			cmd = known[rng() % (sizeof(known) / sizeof(known[0]))] ^
			      (uint32_t(1 + rng() % 0x3fff) << _IOC_SIZESHIFT);
			must = ENOTTY;
			break;
		}
		long ret = glue::xioctl(fd, cmd, ptr);
		run.stats.ioctls++;
		if ((must > 0 && ret != -must) || (must < 0 && ret != 0) ||
		    (ret > 0 && cmd != TOE_IOC_ENTER))
			run.stats.note_wrong("ioctl " + std::to_string(cmd) + " gave " +
					     glue::errno_name(int(ret)));
	}
	static const uint64_t offsets[] = {TOE_MMAP_DOORBELL, TOE_MMAP_SQ, TOE_MMAP_CQ,
					   TOE_MMAP_ANON, 0x40000000ull};
	for (int i = 0; i < 20; i++) {
		uint64_t off = rng() % 3 ? offsets[rng() % 5] : (rng() & 0xffffffffull) << 12;
		size_t len = size_t(1 + rng() % 64) * 4096;
		int prot = int(rng() % 8);
		int flags = rng() % 2 ? MAP_SHARED : MAP_PRIVATE;
		void *m = ::mmap(nullptr, len, prot, flags, fd, off_t(off));
		if (m != MAP_FAILED)
			::munmap(m, len);
	}
	if (!ctx)
		::close(fd);
}

} // namespace hostile
