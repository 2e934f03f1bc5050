// SPDX-License-Identifier: MIT
// libtoe's request calls: the entries they build, and the arguments they
// refuse before anything reaches the engine.
#include "libtoe_fake_context.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <gtest/gtest.h>
#include <sys/socket.h>

using toe::test::FakeContext;

namespace {

sockaddr_in addr(const char *ip, uint16_t port)
{
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	sin.sin_port = htons(port);
	return sin;
}

// The one entry the engine would read next.
toe_sqe only_request(FakeContext &ctx)
{
	auto taken = ctx.engine_take_all();
	EXPECT_EQ(taken.size(), 1u);
	return taken.empty() ? toe_sqe{} : taken[0];
}

} // namespace

TEST(LibtoeRequests, SocketBindListenAccept)
{
	FakeContext ctx;
	ASSERT_EQ(toe_socket(&ctx.h, TOE_PROTO_TCP, 0xabc), 0);
	toe_sqe s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_SOCKET);
	EXPECT_EQ(s.proto, TOE_PROTO_TCP);
	EXPECT_EQ(s.user_data, 0xabcu);

	sockaddr_in a = addr("10.1.2.3", 7);
	ASSERT_EQ(toe_bind(&ctx.h, 4, &a, 1), 0);
	s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_BIND);
	EXPECT_EQ(s.handle, 4u);
	EXPECT_EQ(s.addr, htonl(0x0a010203)) << "network byte order, as given";
	EXPECT_EQ(s.port, htons(7));

	ASSERT_EQ(toe_listen(&ctx.h, 4, 100000, 2), 0);
	s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_LISTEN);
	EXPECT_EQ(s.arg, 65535) << "a backlog beyond 16 bits asks for the most";

	ASSERT_EQ(toe_accept(&ctx.h, 4, 3), 0);
	s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_ACCEPT);
	EXPECT_EQ(s.handle, 4u);
	EXPECT_EQ(s.user_data, 3u);
}

TEST(LibtoeRequests, PostBufferCarriesTheNamedBufferDescriptor)
{
	FakeContext ctx;
	ASSERT_EQ(toe_post_buf(&ctx.h, 9, 2, 4096, 1500, 1000, 250, 0x55), 0);
	toe_sqe s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_POST_BUF);
	EXPECT_EQ(s.handle, 9u);
	EXPECT_EQ(s.region, 2u);
	EXPECT_EQ(s.offset, 4096u);
	EXPECT_EQ(s.len, 1500u);
	EXPECT_EQ(s.threshold, 1000u);
	EXPECT_EQ(s.timeout_ms, 250u);
	EXPECT_EQ(s.user_data, 0x55u);
}

TEST(LibtoeRequests, SendAndSendTo)
{
	FakeContext ctx;
	ASSERT_EQ(toe_send(&ctx.h, 9, 2, 64, 100, TOE_SEND_MORE, 7), 0);
	toe_sqe s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_SEND);
	EXPECT_EQ(s.flags, TOE_SEND_MORE);
	EXPECT_EQ(s.addr, 0u);

	sockaddr_in a = addr("192.168.0.9", 5353);
	ASSERT_EQ(toe_sendto(&ctx.h, 9, 2, 0, 0, 0, &a, 8), 0) << "an empty datagram is legal";
	s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_SEND);
	EXPECT_EQ(s.addr, a.sin_addr.s_addr);
	EXPECT_EQ(s.port, a.sin_port);
}

TEST(LibtoeRequests, OptionsShutdownCloseAbort)
{
	FakeContext ctx;
	ASSERT_EQ(toe_setsockopt(&ctx.h, 3, TOE_SO_NODELAY, 1, 0), 0);
	toe_sqe s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_SETOPT);
	EXPECT_EQ(s.arg, TOE_SO_NODELAY);
	EXPECT_EQ(s.value, 1u);

	ASSERT_EQ(toe_setsockopt(&ctx.h, 3, TOE_SO_CONGESTION, TOE_CC_NEWRENO, 0), 0);
	s = only_request(ctx);
	EXPECT_EQ(s.arg, TOE_SO_CONGESTION);
	EXPECT_EQ(s.value, uint64_t(TOE_CC_NEWRENO));

	ASSERT_EQ(toe_shutdown(&ctx.h, 3, SHUT_WR, 0), 0);
	s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_SHUTDOWN);
	EXPECT_EQ(s.arg, SHUT_WR);

	ASSERT_EQ(toe_sock_close(&ctx.h, 3, 0), 0);
	EXPECT_EQ(only_request(ctx).opcode, TOE_OP_CLOSE);
	ASSERT_EQ(toe_sock_abort(&ctx.h, 3, 0), 0);
	EXPECT_EQ(only_request(ctx).opcode, TOE_OP_ABORT);
}

TEST(LibtoeRequests, BadArgumentsAreRefusedAndNothingIsQueued)
{
	FakeContext ctx;
	sockaddr_in a = addr("10.0.0.1", 80);
	sockaddr_in v6 = a;
	v6.sin_family = AF_INET6;

	EXPECT_EQ(toe_socket(&ctx.h, 0, 0), -EPROTONOSUPPORT);
	EXPECT_EQ(toe_socket(nullptr, TOE_PROTO_TCP, 0), -EINVAL);
	EXPECT_EQ(toe_bind(&ctx.h, 1, nullptr, 0), -EINVAL);
	EXPECT_EQ(toe_bind(&ctx.h, 1, &v6, 0), -EAFNOSUPPORT);
	EXPECT_EQ(toe_connect(&ctx.h, 1, &v6, 0), -EAFNOSUPPORT);
	EXPECT_EQ(toe_sendto(&ctx.h, 1, 0, 0, 1, 0, &v6, 0), -EAFNOSUPPORT);
	EXPECT_EQ(toe_listen(&ctx.h, 1, 0, 0), -EINVAL);
	EXPECT_EQ(toe_post_buf(&ctx.h, 1, 0, 0, 0, 0, 0, 0), -EINVAL) << "empty buffer";
	EXPECT_EQ(toe_post_buf(&ctx.h, 1, 0, 0, 100, 101, 0, 0), -EINVAL) << "threshold > length";
	EXPECT_EQ(toe_post_buf(&ctx.h, 1, 0, UINT64_MAX - 10, 100, 0, 0, 0), -EINVAL);
	EXPECT_EQ(toe_send(&ctx.h, 1, 0, UINT64_MAX, 2, 0, 0), -EINVAL);
	EXPECT_EQ(toe_send(&ctx.h, 1, 0, 0, 2, 0x80, 0), -EINVAL) << "unknown flag";
	EXPECT_EQ(toe_setsockopt(&ctx.h, 1, 0, 0, 0), -ENOPROTOOPT);
	EXPECT_EQ(toe_setsockopt(&ctx.h, 1, 999, 0, 0), -ENOPROTOOPT);
	EXPECT_EQ(toe_setsockopt(&ctx.h, 1, TOE_SO_CONGESTION, 2, 0), -EINVAL);
	EXPECT_EQ(toe_shutdown(&ctx.h, 1, 3, 0), -EINVAL);
	EXPECT_EQ(toe_anon_return(&ctx.h, 0), -ENOENT) << "no pool";

	EXPECT_EQ(ctx.sq_tail(), 0u);
	EXPECT_EQ(toe_sq_space_left(&ctx.h), 8u);
}

TEST(LibtoeRequests, AFullQueueSaysTryAgain)
{
	FakeContext ctx(4);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(toe_accept(&ctx.h, 1, i), 0);
	EXPECT_EQ(toe_accept(&ctx.h, 1, 4), -EAGAIN);
	ctx.sq_head()++;
	EXPECT_EQ(toe_accept(&ctx.h, 1, 4), 0);
}

TEST(LibtoeRequests, BatchedEntriesGoOutWithTheNextCall)
{
	FakeContext ctx;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	toe_prep_nop(toe_get_sqe(&ctx.h), 2);
	ASSERT_EQ(toe_accept(&ctx.h, 1, 3), 0);
	auto taken = ctx.engine_take_all();
	ASSERT_EQ(taken.size(), 3u);
	EXPECT_EQ(taken[2].opcode, TOE_OP_ACCEPT);
}

TEST(LibtoePrep, EveryUnusedFieldIsZero)
{
	toe_sqe s;
	std::memset(&s, 0xff, sizeof(s));
	toe_prep_accept(&s, 5, 6);
	toe_sqe expect{};
	expect.opcode = TOE_OP_ACCEPT;
	expect.handle = 5;
	expect.user_data = 6;
	EXPECT_EQ(std::memcmp(&s, &expect, sizeof(s)), 0);

	std::memset(&s, 0xff, sizeof(s));
	toe_prep_anon_return(&s, 12);
	expect = {};
	expect.opcode = TOE_OP_ANON_RETURN;
	expect.buf_id = 12;
	EXPECT_EQ(std::memcmp(&s, &expect, sizeof(s)), 0);
}

TEST(LibtoeAnon, PoolBuffersAreAddressedById)
{
	FakeContext ctx(8, 16, 0, 4, 4096);
	ASSERT_EQ(ctx.attach_result, 0);
	toe_anon_pool pool{};
	ASSERT_EQ(toe_get_anon_pool(&ctx.h, &pool), 0);
	EXPECT_EQ(pool.count, 4u);
	EXPECT_EQ(pool.buf_size, 4096u);
	EXPECT_EQ(pool.region, 77u);
	EXPECT_EQ(toe_anon_buf(&ctx.h, 0), ctx.anon_mem.data());
	EXPECT_EQ(toe_anon_buf(&ctx.h, 3), ctx.anon_mem.data() + 3 * 4096);
	EXPECT_EQ(toe_anon_buf(&ctx.h, 4), nullptr);

	EXPECT_EQ(toe_anon_return(&ctx.h, 4), -EINVAL);
	ASSERT_EQ(toe_anon_return(&ctx.h, 2), 0);
	toe_sqe s = only_request(ctx);
	EXPECT_EQ(s.opcode, TOE_OP_ANON_RETURN);
	EXPECT_EQ(s.buf_id, 2u);
}

TEST(LibtoeAnon, NoPoolNoBuffers)
{
	FakeContext ctx;
	toe_anon_pool pool{};
	EXPECT_EQ(toe_get_anon_pool(&ctx.h, &pool), -ENOENT);
	EXPECT_EQ(toe_anon_buf(&ctx.h, 0), nullptr);
}

TEST(LibtoeOpen, ParametersAreCheckedBeforeTheDeviceIsOpened)
{
	toe_handle *h = nullptr;
	auto open_with = [&](toe_params p) { return toe_open_params("/nonexistent/toe", &p, &h); };
	toe_params p{};
	EXPECT_EQ(open_with(p), -ENOENT) << "valid parameters reach the open";
	p.reserved[3] = 1;
	EXPECT_EQ(open_with(p), -EINVAL);
	p = {};
	p.flags = 0x100;
	EXPECT_EQ(open_with(p), -EINVAL);
	p = {};
	p.sq_entries = TOE_SQ_ENTRIES_MAX + 1;
	EXPECT_EQ(open_with(p), -EINVAL);
	p = {};
	p.cq_entries = TOE_CQ_ENTRIES_MAX + 1;
	EXPECT_EQ(open_with(p), -EINVAL);
	p = {};
	p.anon_count = 4;
	p.anon_size = 3000;
	EXPECT_EQ(open_with(p), -EINVAL);
	p.anon_size = TOE_ANON_SIZE_MAX + 2048;
	EXPECT_EQ(open_with(p), -EINVAL);
	p = {};
	p.anon_count = TOE_ANON_COUNT_MAX + 1;
	EXPECT_EQ(open_with(p), -EINVAL);
	EXPECT_EQ(h, nullptr);
}

TEST(LibtoeNames, TypesAndReasons)
{
	EXPECT_STREQ(toe_cqe_type_name(TOE_CQE_RECV), "recv");
	EXPECT_STREQ(toe_cqe_type_name(999), "?");
	EXPECT_STREQ(toe_reason_name(TOE_REASON_PSH), "psh");
	EXPECT_STREQ(toe_reason_name(TOE_REASON_DATAGRAM), "datagram");
	EXPECT_STREQ(toe_reason_name(999), "?");
}
