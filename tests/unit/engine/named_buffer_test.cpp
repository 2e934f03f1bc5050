// Named buffers, the seed's receive path: payload copied straight from the
// frame into the first posted buffer, parked in buflets when none is
// posted, and every reason a buffer comes back to the host.
#include <gtest/gtest.h>

#include "peer_conn.hpp"

extern "C" {
#include "engine.h"
}

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 5;

class NamedBuffer : public ::testing::Test {
protected:
	// What the socket can take now, from which TCP derives its window.
	uint32_t space()
	{
		return toe_rx_space(port.eng(), toe_sock_lookup_any(port.eng(), c.h));
	}
	TestPort port;
	PeerConn c{port, kOwner};
};

} // namespace

TEST_F(NamedBuffer, ThresholdReturnsTheBufferOnceReached)
{
	HostMem &m = c.post(100, 1, 10);
	c.data(bytes("abcdef"), TH_ACK);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV)) << "below the threshold";
	c.data(bytes("ghijkl"), TH_ACK);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_THRESHOLD);
	EXPECT_EQ(ev->bytes, 12u);
	EXPECT_EQ(ev->buf_ref, 1u);
	EXPECT_EQ(ev->sock, c.h);
	EXPECT_EQ(ev->sock_ref, 21u);
	EXPECT_EQ(m.str(0, 12), "abcdefghijkl");
	EXPECT_EQ(m.refs(), 0);
}

TEST_F(NamedBuffer, FullBufferComesBackAndTheSegmentContinuesInTheNext)
{
	HostMem &a = c.post(8, 1);
	HostMem &b = c.post(100, 2);
	c.data(bytes("0123456789abcdefghij"), TH_ACK);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_FULL);
	EXPECT_EQ(ev->bytes, 8u);
	EXPECT_EQ(ev->buf_ref, 1u);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV));
	EXPECT_EQ(a.str(0, 8), "01234567");
	EXPECT_EQ(b.str(0, 12), "89abcdefghij");
	EXPECT_EQ(port.counters().bytes_copied, 20u) << "one copy per byte";
}

TEST_F(NamedBuffer, PshReturnsTheBufferHoldingTheLastByte)
{
	c.post(100, 1);
	c.post(100, 2);
	c.data(bytes("request"), TH_ACK | TH_PSH);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_PSH);
	EXPECT_EQ(ev->bytes, 7u);
	EXPECT_EQ(ev->buf_ref, 1u);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV)) << "the next buffer stays";
}

TEST_F(NamedBuffer, UrgReturnsTheBufferHoldingTheLastByte)
{
	c.post(100, 1);
	c.data(bytes("!"), TH_ACK | TH_URG);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_URG);
	EXPECT_EQ(ev->bytes, 1u);
}

TEST_F(NamedBuffer, FinReturnsEveryBufferThenPeerClosed)
{
	c.post(100, 1);
	c.post(100, 2);
	c.data(bytes("last words"), TH_ACK);
	c.fin();
	ASSERT_GE(port.events.size(), 3u);
	EXPECT_EQ(port.events[0].ev.type, TOE_EV_RECV);
	EXPECT_EQ(port.events[0].ev.reason, TOE_RET_FIN);
	EXPECT_EQ(port.events[0].ev.bytes, 10u);
	EXPECT_EQ(port.events[1].ev.type, TOE_EV_RECV);
	EXPECT_EQ(port.events[1].ev.reason, TOE_RET_FIN);
	EXPECT_EQ(port.events[1].ev.bytes, 0u);
	EXPECT_EQ(port.events[2].ev.type, TOE_EV_PEER_CLOSED);
	port.clear_events();
	// a buffer posted after the FIN comes straight back
	c.post(100, 3);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_FIN);
	EXPECT_EQ(ev->bytes, 0u);
	EXPECT_EQ(ev->buf_ref, 3u);
}

TEST_F(NamedBuffer, RstReturnsEveryBufferWithTheReset)
{
	HostMem &m = c.post(100, 1);
	c.post(100, 2);
	c.data(bytes("partial"), TH_ACK);
	c.rst();
	auto a = port.take_event(TOE_EV_RECV);
	auto b = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a->reason, TOE_RET_RST);
	EXPECT_EQ(a->bytes, 7u);
	EXPECT_EQ(a->status, -ECONNRESET);
	EXPECT_EQ(b->reason, TOE_RET_RST);
	EXPECT_EQ(b->bytes, 0u);
	EXPECT_EQ(m.refs(), 0);
	EXPECT_EQ(m.str(0, 7), "partial");
}

TEST_F(NamedBuffer, TimeoutReturnsTheBufferAtItsTime)
{
	uint64_t t0 = TestPort::now();
	c.post(100, 1, 0, 50);
	c.data(bytes("slow"), TH_ACK);
	port.run_until(t0 + 49'999);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV));
	port.run_until(t0 + 50'000);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_TIMEOUT);
	EXPECT_EQ(ev->bytes, 4u);
}

TEST_F(NamedBuffer, AbortReturnsEveryBufferBeforeClosed)
{
	HostMem &a = c.post(100, 1);
	HostMem &b = c.post(100, 2);
	ASSERT_EQ(toe_sock_abort(port.eng(), kOwner, c.h), 0);
	std::vector<uint16_t> types;
	for (auto &r : port.events)
		if (r.ev.sock == c.h)
			types.push_back(r.ev.type);
	ASSERT_EQ(types.size(), 3u);
	EXPECT_EQ(types[0], TOE_EV_RECV);
	EXPECT_EQ(types[1], TOE_EV_RECV);
	EXPECT_EQ(types[2], TOE_EV_CLOSED);
	EXPECT_EQ(port.events[0].ev.reason, TOE_RET_CLOSED);
	EXPECT_EQ(a.refs(), 0);
	EXPECT_EQ(b.refs(), 0);
	Frame rst = port.pop_tx();
	EXPECT_TRUE(rst.has(TH_RST)) << rst;
}

TEST_F(NamedBuffer, CloseReturnsEveryBufferAtOnce)
{
	c.post(100, 1);
	ASSERT_EQ(toe_sock_close(port.eng(), kOwner, c.h), 0);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_CLOSED);
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, nullptr), -ENOENT)
		<< "the handle is dead for the host once closed";
}

TEST_F(NamedBuffer, DataWithoutABufferWaitsInBufletsAndIsPlacedOnPost)
{
	Bytes data = pattern(5000);
	c.data(Bytes(data.begin(), data.begin() + 1400), TH_ACK);
	c.data(Bytes(data.begin() + 1400, data.begin() + 2800), TH_ACK);
	c.data(Bytes(data.begin() + 2800, data.end()), TH_ACK | TH_PSH);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV));
	toe_sock_info i = c.info();
	EXPECT_EQ(i.bytes_parked, 5000u);
	EXPECT_EQ(i.buflets_held, 3u) << "coalesced: 5000 bytes in 2048-byte buflets";
	HostMem &m = c.post(8000, 1);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_PSH) << "the parked data ended with PSH";
	EXPECT_EQ(ev->bytes, 5000u);
	EXPECT_EQ(m.slice(0, 5000), data);
	EXPECT_EQ(c.info().buflets_held, 0u);
	EXPECT_EQ(port.counters().buflets_in_use, 0u);
}

TEST_F(NamedBuffer, ParkedDataSpreadsOverSmallBuffersInOrder)
{
	Bytes data = pattern(3000, 9);
	c.data(data, TH_ACK);
	HostMem &a = c.post(1000, 1);
	HostMem &b = c.post(1000, 2);
	HostMem &d = c.post(1500, 3);
	auto e1 = port.take_event(TOE_EV_RECV);
	auto e2 = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(e1 && e2);
	EXPECT_EQ(e1->reason, TOE_RET_FULL);
	EXPECT_EQ(e2->reason, TOE_RET_FULL);
	EXPECT_FALSE(port.take_event(TOE_EV_RECV)) << "1000 bytes in the third, no PSH";
	EXPECT_EQ(a.slice(0, 1000), Bytes(data.begin(), data.begin() + 1000));
	EXPECT_EQ(b.slice(0, 1000), Bytes(data.begin() + 1000, data.begin() + 2000));
	EXPECT_EQ(d.slice(0, 1000), Bytes(data.begin() + 2000, data.end()));
	// new data continues behind it
	c.data(bytes("tail"), TH_ACK | TH_PSH);
	auto e3 = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(e3);
	EXPECT_EQ(e3->bytes, 1004u);
	EXPECT_EQ(d.str(1000, 4), "tail");
}

TEST_F(NamedBuffer, NewDataQueuesBehindParkedDataNotAheadOfIt)
{
	c.data(bytes("first-"), TH_ACK);
	HostMem &m = c.post(4, 1); // too small for what is parked
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_FULL);
	EXPECT_EQ(m.str(0, 4), "firs");
	c.data(bytes("second"), TH_ACK);
	HostMem &n = c.post(100, 2);
	EXPECT_EQ(n.str(0, 8), "t-second");
}

TEST_F(NamedBuffer, ReceiveSpaceIsFreeBufletsPlusPostedSpace)
{
	const toe_engine_config &cfg = port.config();
	uint32_t all = cfg.sock_buflets_max * cfg.buflet_size;
	EXPECT_EQ(space(), all);
	c.post(10000, 1);
	EXPECT_EQ(space(), all + 10000);
	c.data(pattern(4000), TH_ACK);
	EXPECT_EQ(space(), all + 6000) << "placed data took buffer space";
	port.clear_events();
	toe_sock_shutdown(port.eng(), kOwner, c.h, TOE_SHUT_RD);
}

TEST_F(NamedBuffer, ReceiveSpaceShrinksAsParkedDataTakesBuflets)
{
	const toe_engine_config &cfg = port.config();
	uint32_t all = cfg.sock_buflets_max * cfg.buflet_size;
	c.data(pattern(3000), TH_ACK);
	EXPECT_EQ(space(), all - 3000);
	c.post(3000, 1);
	EXPECT_EQ(space(), all) << "the buflets are free again";
}

TEST_F(NamedBuffer, BadRequestsAreRefusedAndTakeNoReference)
{
	HostMem &m = port.mem(100);
	toe_named_buffer_req r{.mem = m.mem(), .offset = 90, .length = 20};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, &r), -EFAULT);
	r = {.mem = m.mem(), .offset = 0, .length = 0};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, &r), -EINVAL);
	r = {.mem = m.mem(), .offset = 0, .length = 10, .threshold = 11};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, &r), -EINVAL);
	r = {.mem = m.mem(), .offset = ~0ull - 5, .length = 10};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, &r), -EFAULT);
	r = {.mem = nullptr, .offset = 0, .length = 10};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.h, &r), -EINVAL);
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, c.listener,
				       nullptr), -EINVAL);
	EXPECT_EQ(m.refs(), 0);
}

TEST_F(NamedBuffer, PostedBufferCountIsBounded)
{
	for (uint32_t i = 0; i < port.config().sock_named_max; i++)
		c.post(1, i);
	c.post(1, 999, 0, 0, -ENOBUFS);
	uint32_t cursor = 0;
	toe_buffer_info bi;
	uint32_t n = 0;
	while (toe_sock_buffer_iter_next(port.eng(), c.h, &cursor, &bi) == 0) {
		EXPECT_EQ(bi.user_ref, n);
		n++;
	}
	EXPECT_EQ(n, port.config().sock_named_max);
	toe_sock_abort(port.eng(), kOwner, c.h);
}
