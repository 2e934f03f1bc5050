// UDP both ways: a datagram per named buffer with its UDP header and source
// reported, truncation flagged, parking while no buffer is posted, and
// sends straight from host memory.
#include <gtest/gtest.h>

#include "test_port.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 11;

class Udp : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_UDP, 77, &h), 0);
		ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, h, 0, 5353), 0);
	}
	HostMem &post(uint32_t len, uint64_t ref)
	{
		HostMem &m = port.mem(len);
		toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = len,
				       .user_ref = ref};
		EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, h, &r), 0);
		return m;
	}
	Bytes dgram(const Bytes &payload, uint16_t from = 9999)
	{
		return build_udp({.src = port.peer(kPeerIp, from),
				  .dst = port.local(5353), .payload = payload});
	}
	int send(const Bytes &data, uint32_t ip, uint16_t p, uint64_t ref,
		 HostMem **out = nullptr)
	{
		HostMem &m = port.mem(data.size() + 3);
		m.write(3, data);
		if (out)
			*out = &m;
		toe_send_req r{.mem = m.mem(), .offset = 3,
			       .length = uint32_t(data.size()), .dst_ip = ip,
			       .dst_port = p, .user_ref = ref};
		return toe_sock_send(port.eng(), kOwner, h, &r);
	}

	TestPort port;
	uint32_t h = 0;
};

} // namespace

TEST_F(Udp, DatagramFillsOneBufferWithHeaderAndSourceReported)
{
	HostMem &m = post(100, 5);
	Bytes f = dgram(bytes("hello udp"), 4321);
	ASSERT_EQ(port.inject(f), TOE_RX_CONSUMED);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->sock, h);
	EXPECT_EQ(ev->sock_ref, 77u);
	EXPECT_EQ(ev->buf_ref, 5u);
	EXPECT_EQ(ev->bytes, 9u);
	EXPECT_EQ(ev->reason, TOE_RET_DATAGRAM);
	EXPECT_EQ(ev->flags, 0u);
	EXPECT_EQ(ev->peer_ip, kPeerIp);
	EXPECT_EQ(ev->peer_port, 4321);
	EXPECT_EQ(ev->udp_hdr_len, 8);
	// the header bytes exactly as on the wire
	EXPECT_TRUE(std::equal(ev->udp_hdr, ev->udp_hdr + 8, f.begin() + 34));
	EXPECT_EQ(m.str(0, 9), "hello udp");
	EXPECT_EQ(m.refs(), 0) << "the returned buffer is no longer referenced";
	EXPECT_EQ(port.counters().bytes_copied, 9u);
}

TEST_F(Udp, EachDatagramTakesItsOwnBuffer)
{
	post(100, 1);
	post(100, 2);
	port.inject(dgram(bytes("one")));
	port.inject(dgram(bytes("two!")));
	auto a = port.take_event(TOE_EV_RECV);
	auto b = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a->buf_ref, 1u);
	EXPECT_EQ(a->bytes, 3u);
	EXPECT_EQ(b->buf_ref, 2u);
	EXPECT_EQ(b->bytes, 4u);
}

TEST_F(Udp, OversizedDatagramIsTruncatedAndFlagged)
{
	HostMem &m = post(4, 1);
	Bytes f = dgram(bytes("0123456789"));
	port.inject(f);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 4u);
	EXPECT_EQ(ev->flags & TOE_EVF_TRUNCATED, TOE_EVF_TRUNCATED);
	// the datagram's full size is in its header
	EXPECT_EQ(ev->udp_hdr[4] << 8 | ev->udp_hdr[5], 18);
	EXPECT_EQ(m.str(0, 4), "0123");
}

TEST_F(Udp, DatagramsWaitInBufletsUntilABufferIsPosted)
{
	port.inject(dgram(bytes("first"), 1001));
	port.inject(dgram(pattern(3000), 1002)); // spans two buflets
	EXPECT_FALSE(port.has_event());
	toe_sock_info info;
	ASSERT_EQ(toe_sock_get_info(port.eng(), h, &info), 0);
	EXPECT_EQ(info.buflets_held, 3u);
	HostMem &a = post(10, 1);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 5u);
	EXPECT_EQ(ev->peer_port, 1001) << "the parked source travels with it";
	EXPECT_EQ(a.str(0, 5), "first");
	HostMem &b = post(4000, 2);
	ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 3000u);
	EXPECT_EQ(ev->peer_port, 1002);
	EXPECT_EQ(ev->udp_hdr[4] << 8 | ev->udp_hdr[5], 3008);
	EXPECT_EQ(b.slice(0, 3000), pattern(3000));
	ASSERT_EQ(toe_sock_get_info(port.eng(), h, &info), 0);
	EXPECT_EQ(info.buflets_held, 0u);
}

TEST_F(Udp, DatagramsBeyondTheBufletBoundAreDroppedAndCounted)
{
	toe_engine_config c = TestPort::default_config();
	c.sock_buflets_max = 2;
	TestPort small(c);
	uint32_t s;
	ASSERT_EQ(toe_sock_create(small.eng(), kOwner, TOE_PROTO_UDP, 0, &s), 0);
	ASSERT_EQ(toe_sock_bind(small.eng(), kOwner, s, 0, 5353), 0);
	for (int i = 0; i < 5; i++)
		small.inject(build_udp({.src = small.peer(kPeerIp, 9),
					.dst = small.local(5353),
					.payload = bytes("x")}));
	EXPECT_EQ(small.counters().drop_udp_no_room, 3u);
}

TEST_F(Udp, SendBuildsAFrameFromHostMemoryAndCompletesOnTransmit)
{
	HostMem *m = nullptr;
	ASSERT_EQ(send(bytes("payload!"), kPeerIp, 6000, 42, &m), 0);
	Frame f = port.pop_tx();
	ASSERT_TRUE(f.is_udp()) << f;
	EXPECT_EQ(f.src_ip, kLocalIp);
	EXPECT_EQ(f.dst_ip, kPeerIp);
	EXPECT_EQ(f.src_port, 5353);
	EXPECT_EQ(f.dst_port, 6000);
	EXPECT_EQ(f.dst_mac, kPeerMac);
	EXPECT_EQ(f.src_mac, kLocalMac);
	EXPECT_EQ(f.udp_len, 16);
	EXPECT_TRUE(f.ip_csum_ok);
	EXPECT_TRUE(f.l4_csum_ok);
	EXPECT_EQ(f.payload_str(), "payload!");
	auto ev = port.take_event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(ev->bytes, 8u);
	EXPECT_EQ(ev->buf_ref, 42u);
	EXPECT_EQ(m->refs(), 0);
}

TEST_F(Udp, UnconnectedSendNeedsADestination)
{
	EXPECT_EQ(send(bytes("x"), 0, 0, 1), -EDESTADDRREQ);
	EXPECT_TRUE(port.tx_empty());
}

TEST_F(Udp, ConnectedSendGoesToThePeer)
{
	ASSERT_EQ(toe_sock_connect(port.eng(), kOwner, h, kPeerIp, 7777), 0);
	ASSERT_EQ(send(bytes("c"), 0, 0, 1), 0);
	Frame f = port.pop_tx();
	EXPECT_EQ(f.dst_port, 7777);
	EXPECT_EQ(f.dst_ip, kPeerIp);
}

TEST_F(Udp, OversizedSendIsRefused)
{
	EXPECT_EQ(send(Bytes(1473), kPeerIp, 1, 1), -EMSGSIZE);
	EXPECT_EQ(send(Bytes(1472), kPeerIp, 1, 1), 0);
}

TEST_F(Udp, EmptyDatagramIsSentAndReceived)
{
	ASSERT_EQ(send({}, kPeerIp, 6000, 1), 0);
	Frame f = port.pop_tx();
	EXPECT_EQ(f.udp_len, 8);
	EXPECT_TRUE(f.l4_csum_ok);
	post(10, 3);
	port.inject(dgram({}));
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 0u);
	EXPECT_EQ(ev->reason, TOE_RET_DATAGRAM);
}

TEST_F(Udp, SendWaitsForNeighbourResolutionAndKeepsOrder)
{
	uint32_t far = ip4(10, 0, 0, 66);
	Mac far_mac{0x02, 0, 0, 0, 0, 0x66};
	port.arp_pending(far);
	ASSERT_EQ(send(bytes("a"), far, 1, 1), 0);
	ASSERT_EQ(send(bytes("b"), kPeerIp, 1, 2), 0); // resolvable, but behind
	EXPECT_TRUE(port.tx_empty());
	EXPECT_FALSE(port.has_event());
	port.arp_add(far, far_mac);
	port.run_for(20'000);
	ASSERT_EQ(port.tx_count(), 2u);
	Frame a = port.pop_tx();
	Frame b = port.pop_tx();
	EXPECT_EQ(a.payload_str(), "a");
	EXPECT_EQ(a.dst_mac, far_mac);
	EXPECT_EQ(b.payload_str(), "b");
	EXPECT_EQ(port.count_events(TOE_EV_SEND), 2u);
}

TEST_F(Udp, UnresolvableDestinationFailsTheSend)
{
	uint32_t nowhere = ip4(10, 9, 9, 9);
	HostMem *m = nullptr;
	ASSERT_EQ(send(bytes("x"), nowhere, 1, 9, &m), 0);
	auto ev = port.take_event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -EHOSTUNREACH);
	EXPECT_EQ(m->refs(), 0);
	// pending resolution that never completes gives up too
	port.arp_pending(nowhere);
	ASSERT_EQ(send(bytes("y"), nowhere, 1, 10, &m), 0);
	port.run_for(10'000'000);
	ev = port.take_event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -EHOSTUNREACH);
	EXPECT_EQ(m->refs(), 0);
}

TEST_F(Udp, SendFromAnUnboundSocketBindsAnEphemeralPort)
{
	uint32_t s;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_UDP, 0, &s), 0);
	HostMem &m = port.mem(4);
	toe_send_req r{.mem = m.mem(), .offset = 0, .length = 4,
		       .dst_ip = kPeerIp, .dst_port = 53};
	ASSERT_EQ(toe_sock_send(port.eng(), kOwner, s, &r), 0);
	Frame f = port.pop_tx();
	EXPECT_GE(f.src_port, port.config().ephemeral_port_min);
	// and answers to that port come back to it
	HostMem &in = port.mem(16);
	toe_named_buffer_req pr{.mem = in.mem(), .offset = 0, .length = 16};
	ASSERT_EQ(toe_sock_post_buffer(port.eng(), kOwner, s, &pr), 0);
	port.inject(build_udp({.src = port.peer(kPeerIp, 53),
			       .dst = port.local(f.src_port),
			       .payload = bytes("answer")}));
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->sock, s);
}

TEST_F(Udp, CloseReturnsPostedBuffersThenClosed)
{
	post(10, 1);
	post(10, 2);
	ASSERT_EQ(toe_sock_close(port.eng(), kOwner, h), 0);
	ASSERT_EQ(port.events.size(), 3u);
	EXPECT_EQ(port.events[0].ev.type, TOE_EV_RECV);
	EXPECT_EQ(port.events[0].ev.reason, TOE_RET_CLOSED);
	EXPECT_EQ(port.events[0].ev.buf_ref, 1u);
	EXPECT_EQ(port.events[1].ev.buf_ref, 2u);
	EXPECT_EQ(port.events[2].ev.type, TOE_EV_CLOSED);
	EXPECT_EQ(port.events[2].owner, kOwner);
	EXPECT_EQ(toe_sock_close(port.eng(), kOwner, h), -ENOENT);
	EXPECT_EQ(port.counters().sockets, 0u);
}

TEST_F(Udp, ShutdownReadReturnsBuffersAndDiscardsLaterDatagrams)
{
	post(10, 1);
	ASSERT_EQ(toe_sock_shutdown(port.eng(), kOwner, h, TOE_SHUT_RD), 0);
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->reason, TOE_RET_CLOSED);
	port.inject(dgram(bytes("late")));
	EXPECT_FALSE(port.has_event());
	EXPECT_EQ(port.counters().drop_rx_shutdown, 4u);
	HostMem &m = port.mem(4);
	toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = 4};
	EXPECT_EQ(toe_sock_post_buffer(port.eng(), kOwner, h, &r), -ESHUTDOWN);
}
