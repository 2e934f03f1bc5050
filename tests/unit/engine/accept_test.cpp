// Listeners and the accept queue: requests wait for connections and
// connections for requests, the backlog bounds the waiting ones, and a
// closing listener fails its requests and resets its children.
#include <gtest/gtest.h>

#include "test_port.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 9;

class Accept : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_TCP, 100, &l), 0);
		ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, l, 0, 80), 0);
		ASSERT_EQ(toe_sock_listen(port.eng(), kOwner, l, 2), 0);
	}
	// A full three-way handshake from peer port pp; returns the peer's
	// next sequence number and the engine's.
	std::pair<uint32_t, uint32_t> handshake(uint16_t pp)
	{
		Endpoint peer = port.peer(kPeerIp, pp);
		port.clear_tx();
		port.inject(build_tcp({.src = peer, .dst = port.local(80), .seq = 1000,
				       .flags = TH_SYN,
				       .options = tcp_options({tcpopt::mss(1460)})}));
		Frame sa = port.pop_tx();
		EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
		port.inject(build_tcp({.src = peer, .dst = port.local(80), .seq = 1001,
				       .ack = sa.seq + 1, .flags = TH_ACK}));
		return {1001, sa.seq + 1};
	}

	TestPort port;
	uint32_t l = 0;
};

} // namespace

TEST_F(Accept, RequestPostedFirstCompletesWhenAConnectionArrives)
{
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, 555), 0);
	EXPECT_FALSE(port.has_event());
	handshake(40001);
	auto ev = port.take_event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(ev->parent, l);
	EXPECT_EQ(ev->sock_ref, 555u);
	EXPECT_EQ(ev->peer_ip, kPeerIp);
	EXPECT_EQ(ev->peer_port, 40001);
	toe_sock_info info;
	ASSERT_EQ(toe_sock_get_info(port.eng(), ev->sock, &info), 0);
	EXPECT_EQ(info.owner, kOwner);
	EXPECT_EQ(info.user_ref, 555u);
	EXPECT_EQ(info.state, TOE_TCPS_ESTABLISHED);
	EXPECT_EQ(info.local_port, 80);
	EXPECT_EQ(info.remote_port, 40001);
}

TEST_F(Accept, ConnectionWaitsForARequestWithItsDataParked)
{
	auto [snd, rcv] = handshake(40002);
	port.inject(build_tcp({.src = port.peer(kPeerIp, 40002), .dst = port.local(80),
			       .seq = snd, .ack = rcv, .flags = TH_ACK | TH_PSH,
			       .payload = bytes("early")}));
	EXPECT_FALSE(port.has_event()) << "nobody asked for it yet";
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, 7), 0);
	auto ev = port.take_event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	HostMem &m = port.mem(16);
	toe_named_buffer_req r{.mem = m.mem(), .offset = 0, .length = 16};
	ASSERT_EQ(toe_sock_post_buffer(port.eng(), kOwner, ev->sock, &r), 0);
	auto rx = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(rx);
	EXPECT_EQ(rx->bytes, 5u);
	EXPECT_EQ(m.str(0, 5), "early");
}

TEST_F(Accept, ConnectionsBeyondTheBacklogAreNotAccepted)
{
	handshake(41000);
	handshake(41001);
	toe_engine_counters before = port.counters();
	EXPECT_EQ(before.sockets, 3u);
	// backlog 2: a third SYN finds no room (TCP drops it, as Linux does)
	port.inject(build_tcp({.src = port.peer(kPeerIp, 41002),
			       .dst = port.local(80), .seq = 5, .flags = TH_SYN}));
	// the two queued ones are accepted, in order, and no third
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, 1), 0);
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, 2), 0);
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, 3), 0);
	auto a = port.take_event(TOE_EV_ACCEPT);
	auto b = port.take_event(TOE_EV_ACCEPT);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a->peer_port, 41000);
	EXPECT_EQ(b->peer_port, 41001);
	EXPECT_FALSE(port.take_event(TOE_EV_ACCEPT));
}

TEST_F(Accept, ClosingTheListenerFailsRequestsAndResetsWaitingConnections)
{
	handshake(42000); // established, waiting in the queue
	port.clear_tx();
	ASSERT_EQ(toe_sock_close(port.eng(), kOwner, l), 0);
	bool rst = false;
	while (!port.tx_empty())
		rst |= port.pop_tx().has(TH_RST);
	EXPECT_TRUE(rst) << "the waiting connection is reset";
	EXPECT_EQ(port.counters().sockets, 0u);
	EXPECT_EQ(port.counters().listeners, 0u);
	ASSERT_TRUE(port.take_event(TOE_EV_CLOSED));

	// a request still waiting when its listener goes is failed
	uint32_t l2;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_TCP, 0, &l2), 0);
	ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, l2, 0, 81), 0);
	ASSERT_EQ(toe_sock_listen(port.eng(), kOwner, l2, 2), 0);
	ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l2, 77), 0);
	ASSERT_EQ(toe_sock_close(port.eng(), kOwner, l2), 0);
	auto ev = port.take_event(TOE_EV_ACCEPT);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ECONNABORTED);
	EXPECT_EQ(ev->sock, TOE_HANDLE_NONE);
	EXPECT_EQ(ev->sock_ref, 77u);
	EXPECT_EQ(port.events.back().ev.type, TOE_EV_CLOSED) << "CLOSED comes last";
}

TEST_F(Accept, AcceptRequestsAreBoundedAndNeedAListener)
{
	for (uint32_t i = 0; i < port.config().sock_accept_max; i++)
		ASSERT_EQ(toe_sock_accept(port.eng(), kOwner, l, i), 0);
	EXPECT_EQ(toe_sock_accept(port.eng(), kOwner, l, 0), -ENOBUFS);
	uint32_t s;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_TCP, 0, &s), 0);
	EXPECT_EQ(toe_sock_accept(port.eng(), kOwner, s, 0), -EINVAL);
	uint32_t u;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_UDP, 0, &u), 0);
	EXPECT_EQ(toe_sock_listen(port.eng(), kOwner, u, 1), -EOPNOTSUPP);
}

TEST_F(Accept, ListenWithoutBindTakesAnEphemeralPort)
{
	uint32_t s;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_TCP, 0, &s), 0);
	ASSERT_EQ(toe_sock_listen(port.eng(), kOwner, s, 1), 0);
	toe_sock_info info;
	ASSERT_EQ(toe_sock_get_info(port.eng(), s, &info), 0);
	EXPECT_GE(info.local_port, port.config().ephemeral_port_min);
	EXPECT_EQ(info.flags & TOE_SIF_LISTENING, TOE_SIF_LISTENING);
	EXPECT_EQ(info.state, TOE_TCPS_LISTEN);
}
