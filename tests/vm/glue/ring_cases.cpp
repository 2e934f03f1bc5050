// SPDX-License-Identifier: MIT
// Requests and completions: every bad entry completes with its own error
// and affects nothing else; corrupted indices stay the writer's problem.
#include "raw.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace glue {
namespace {

toe_sqe op(uint8_t opcode, uint32_t handle = 0)
{
	toe_sqe s{};
	s.opcode = opcode;
	s.handle = handle;
	return s;
}

void expect_error(RawCtx &ctx, toe_sqe sqe, int err, const std::string &what)
{
	toe_cqe c = ctx.request(sqe);
	check(c.type == TOE_CQE_REQ, what + ": a TOE_CQE_REQ completion");
	check_errno(c.res, err, what);
}

void nop_roundtrip(RawCtx &ctx, const std::string &what)
{
	toe_cqe c = ctx.request(op(TOE_OP_NOP));
	check(c.type == TOE_CQE_REQ && c.res == 0, what + ": NOP completes with 0");
}

} // namespace

GLUE_CASE(nop_roundtrip_and_poll)
{
	Attach attach;
	RawCtx ctx;
	toe_sqe nop = op(TOE_OP_NOP);
	nop.user_data = 0xfeedface12345678ULL;
	toe_cqe c = ctx.request(nop);
	check(c.type == TOE_CQE_REQ && c.res == 0, "NOP result");
	check(c.user_data == nop.user_data, "user_data echoed");

	// poll(2) reports a waiting completion.
	nop.user_data = 7;
	ctx.submit(nop);
	pollfd p{ctx.fd(), POLLIN, 0};
	check(::poll(&p, 1, kWaitMs) == 1 && (p.revents & POLLIN), "poll wakes for a completion");
	check_errno(ctx.enter(TOE_ENTER_F_WAIT, 1, -1), 0, "ENTER WAIT with one ready");
	ctx.expect([](const toe_cqe &q) { return q.user_data == 7; }, "the second NOP");
}

GLUE_CASE(bad_requests_complete_with_errors)
{
	Attach attach;
	RawCtx ctx;
	std::vector<uint8_t> buf(8192);
	uint32_t region;
	check_errno(ctx.reg_mr(buf.data(), buf.size(), &region), 0, "register");
	uint32_t udp = ctx.socket(TOE_PROTO_UDP);

	expect_error(ctx, op(TOE_OP_MAX), EINVAL, "opcode TOE_OP_MAX");
	expect_error(ctx, op(0xff), EINVAL, "opcode 255");
	toe_sqe s = op(TOE_OP_NOP, 5);
	expect_error(ctx, s, EINVAL, "NOP with a handle");
	s = op(TOE_OP_NOP);
	s.reserved = 1;
	expect_error(ctx, s, EINVAL, "reserved field");
	s = op(TOE_OP_CLOSE, udp);
	s.value = 1;
	expect_error(ctx, s, EINVAL, "CLOSE with a value");
	s = op(TOE_OP_SOCKET);
	s.proto = 99;
	expect_error(ctx, s, EPROTONOSUPPORT, "SOCKET proto 99");

	expect_error(ctx, op(TOE_OP_BIND, 0x7fff1234), ENOENT, "BIND unknown handle");
	expect_error(ctx, op(TOE_OP_LISTEN, 0x7fff1234), ENOENT, "LISTEN unknown handle");
	expect_error(ctx, op(TOE_OP_CLOSE, 0x7fff1234), ENOENT, "CLOSE unknown handle");
	expect_error(ctx, op(TOE_OP_ABORT, 0), ENOENT, "ABORT handle 0");

	s = op(TOE_OP_POST_BUF, udp);
	s.region = region + 1000;
	s.len = 100;
	expect_error(ctx, s, ENOENT, "POST_BUF unknown region");
	s.region = region;
	s.offset = 8000;
	s.len = 200;
	expect_error(ctx, s, EFAULT, "POST_BUF beyond the region");
	s.offset = ~0ULL - 10;
	s.len = 100;
	expect_error(ctx, s, EFAULT, "POST_BUF offset wraps");
	s.offset = 0;
	s.len = 0;
	expect_error(ctx, s, EINVAL, "POST_BUF length 0");
	s.len = 100;
	s.threshold = 200;
	expect_error(ctx, s, EINVAL, "POST_BUF threshold beyond length");

	s = op(TOE_OP_SEND, udp);
	s.region = region;
	s.len = 10;
	s.flags = 0x8000;
	expect_error(ctx, s, EINVAL, "SEND unknown flag");
	s.flags = 0;
	s.region = 0;
	expect_error(ctx, s, ENOENT, "SEND region 0");

	s = op(TOE_OP_SETOPT, udp);
	s.arg = 999;
	expect_error(ctx, s, ENOPROTOOPT, "SETOPT unknown option");
	s.arg = TOE_SO_ANON_DELIVERY;
	s.value = 1;
	expect_error(ctx, s, EINVAL, "anon delivery without a pool");
	s = op(TOE_OP_SHUTDOWN, udp);
	s.arg = 7;
	expect_error(ctx, s, EINVAL, "SHUTDOWN how 7");
	s = op(TOE_OP_ANON_RETURN);
	s.buf_id = 0;
	expect_error(ctx, s, EINVAL, "ANON_RETURN without a pool");

	// After all that, the context works as before.
	nop_roundtrip(ctx, "after the bad requests");
	s = op(TOE_OP_SETOPT, udp);
	s.arg = TOE_SO_REF;
	s.value = 0xabc;
	toe_cqe c = ctx.request(s);
	check_errno(c.res, 0, "SETOPT TOE_SO_REF");
	check_errno(ctx.bind(udp, cfg.local, 0), 0, "bind");
	check_errno(ctx.dereg_mr(region), 0, "nothing holds the region");
}

GLUE_CASE(anon_return_checks_ids)
{
	Attach attach;
	toe_setup p = default_setup();
	p.flags = TOE_SETUP_F_ANON;
	p.anon_count = 4;
	p.anon_size = 2048;
	RawCtx ctx(p);
	toe_sqe s = op(TOE_OP_ANON_RETURN);
	s.buf_id = 4;
	expect_error(ctx, s, EINVAL, "buffer id beyond the pool");
	s.buf_id = 2;
	// Every buffer starts in the engine's pool: returning it again is a
	// duplicate.
	expect_error(ctx, s, EEXIST, "buffer already in the pool");
}

// Another context's socket is as good as nonexistent.
GLUE_CASE(other_contexts_handles_are_enoent)
{
	Attach attach;
	RawCtx a, b;
	std::vector<uint8_t> buf(4096);
	uint32_t region;
	check_errno(a.reg_mr(buf.data(), buf.size(), &region), 0, "register in A");
	uint32_t sock_b = b.socket(TOE_PROTO_UDP);
	check_errno(a.bind(sock_b, cfg.local, 0), ENOENT, "A binds B's socket");
	toe_sqe s = op(TOE_OP_POST_BUF, sock_b);
	s.region = region;
	s.len = 100;
	expect_error(a, s, ENOENT, "A posts into B's socket");
	expect_error(a, op(TOE_OP_CLOSE, sock_b), ENOENT, "A closes B's socket");
	expect_error(a, op(TOE_OP_ABORT, sock_b), ENOENT, "A aborts B's socket");
	// B's socket is intact, and A's region is not B's.
	check_errno(b.bind(sock_b, cfg.local, 0), 0, "B binds its socket");
	s.handle = sock_b;
	expect_error(b, s, ENOENT, "B posts from A's region handle");
}

// A tail far ahead is garbage: a ring's worth of entries at most is read,
// each completes with its own error, and other contexts are unaffected.
GLUE_CASE(garbage_sq_tail_is_contained)
{
	Attach attach;
	toe_setup p = default_setup(8);
	p.cq_entries = 64;
	RawCtx bad(p), good;
	auto *entries = reinterpret_cast<uint8_t *>(bad.sq_tail()) - bad.geometry().sq_off.tail +
			bad.geometry().sq_off.entries;
	std::memset(entries, 0xee, 8 * sizeof(toe_sqe));
	__atomic_store_n(bad.sq_tail(), 0x80000000u, __ATOMIC_RELEASE);
	bad.enter(TOE_ENTER_F_KICK);
	// At least one ring's worth of garbage completes with errors.
	for (int i = 0; i < 8; i++) {
		toe_cqe c = bad.expect([](const toe_cqe &) { return true; }, "a garbage completion");
		check(c.type == TOE_CQE_REQ && c.res < 0, "garbage entry fails");
	}
	nop_roundtrip(good, "another context while one is garbage");
	// A sane tail again (where the engine's head is) and the context
	// works: the garbage cost it only its own completions.
	// The engine may be mid-round on the old tail: repeat until it
	// leaves the head where the tail was put.
	uint32_t head = 0;
	bool settled = false;
	for (int i = 0; i < 1000 && !settled; i++) {
		head = __atomic_load_n(bad.sq_head(), __ATOMIC_ACQUIRE);
		__atomic_store_n(bad.sq_tail(), head, __ATOMIC_RELEASE);
		bad.enter(TOE_ENTER_F_KICK);
		::usleep(20000);
		settled = __atomic_load_n(bad.sq_head(), __ATOMIC_ACQUIRE) == head;
	}
	check(settled, "the SQ settles on a sane tail");
	bad.set_sq_local_tail(head);
	toe_sqe nop = op(TOE_OP_NOP);
	nop.user_data = 0x600d;
	bad.submit(nop);
	bad.expect([](const toe_cqe &q) { return q.user_data == 0x600d; }, "NOP after the repair");
}

// A head the engine cannot make sense of stops only this context's CQ.
GLUE_CASE(garbage_cq_head_is_contained)
{
	Attach attach;
	RawCtx bad, good;
	nop_roundtrip(bad, "before");
	uint32_t head = __atomic_load_n(bad.cq_head(), __ATOMIC_ACQUIRE);
	__atomic_store_n(bad.cq_head(), head + 1000, __ATOMIC_RELEASE);
	toe_sqe nop = op(TOE_OP_NOP);
	nop.user_data = 0xbad;
	bad.next_sqe() = nop;
	bad.publish();
	nop_roundtrip(good, "another context meanwhile");
	// Put the head back: the request runs once the CQ makes sense.
	__atomic_store_n(bad.cq_head(), head, __ATOMIC_RELEASE);
	bad.expect([](const toe_cqe &q) { return q.user_data == 0xbad; }, "NOP after the repair");
}

// The engine announces its sleep in the doorbell and a kick wakes it.
GLUE_CASE(need_wakeup_and_kick)
{
	Attach attach(-1, 0);
	RawCtx ctx;
	bool asleep = false;
	for (int i = 0; i < kWaitMs / 10 && !asleep; i++) {
		asleep = __atomic_load_n(&ctx.doorbell()->flags, __ATOMIC_ACQUIRE) &
			 TOE_DB_NEED_WAKEUP;
		if (!asleep)
			::usleep(10000);
	}
	check(asleep, "NEED_WAKEUP set by an idle engine");
	uint64_t kicks = ctx.doorbell()->kicks;
	// Publish without the automatic kick, then kick by hand.
	toe_sqe nop = op(TOE_OP_NOP);
	nop.user_data = 0x77;
	ctx.next_sqe() = nop;
	__atomic_store_n(ctx.sq_tail(), ctx.sq_local_tail(), __ATOMIC_RELEASE);
	check_errno(ctx.enter(TOE_ENTER_F_KICK), 0, "kick");
	check(ctx.doorbell()->kicks == kicks + 1, "kick counted in the doorbell");
	ctx.expect([](const toe_cqe &q) { return q.user_data == 0x77; }, "NOP after the kick");
}

// Completions the CQ cannot take wait on the overflow list and all arrive,
// in order, once the application makes room.
GLUE_CASE(cq_backpressure_loses_nothing)
{
	Attach attach;
	toe_setup p = default_setup(16);
	p.cq_entries = 16;
	RawCtx ctx(p);
	const int total = 200;
	int sent = 0, seen = 0;
	uint64_t expect_next = 1;
	while (seen < total) {
		while (sent < total && ctx.sq_local_tail() - __atomic_load_n(ctx.sq_head(),
									     __ATOMIC_ACQUIRE) < 16) {
			toe_sqe nop = op(TOE_OP_NOP);
			nop.user_data = uint64_t(++sent);
			ctx.next_sqe() = nop;
		}
		ctx.publish();
		toe_cqe c = ctx.expect([](const toe_cqe &) { return true; }, "a NOP completion");
		check(c.user_data == expect_next, "completions in order");
		expect_next++;
		seen++;
	}
}

} // namespace glue
