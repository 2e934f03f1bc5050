// Owner release: when an application goes away, each of its sockets is
// reset, every buffer comes back with an event, and the engine keeps no
// reference to its memory; other owners are untouched.
#include <gtest/gtest.h>

#include <utility>

#include "peer_conn.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kGone = 4;
constexpr uint32_t kStays = 6;

} // namespace

TEST(OwnerRelease, LeavesNoMemoryReferencesBehind)
{
	TestPort port;
	PeerConn c(port, kGone);
	HostMem &a = c.post(100, 1);
	HostMem &b = c.post(100, 2);
	// a send the peer never acknowledges
	HostMem &s = port.mem(3000);
	toe_send_req sr{.mem = s.mem(), .offset = 0, .length = 3000, .user_ref = 3};
	ASSERT_EQ(toe_sock_send(port.eng(), kGone, c.h, &sr), 0);
	// a UDP socket with a buffer, and the anonymous pool
	uint32_t u;
	ASSERT_EQ(toe_sock_create(port.eng(), kGone, TOE_PROTO_UDP, 0, &u), 0);
	HostMem &ub = port.mem(50);
	toe_named_buffer_req br{.mem = ub.mem(), .offset = 0, .length = 50};
	ASSERT_EQ(toe_sock_post_buffer(port.eng(), kGone, u, &br), 0);
	HostMem &anon = port.mem(4096);
	ASSERT_EQ(toe_anon_provide(port.eng(), kGone, anon.mem(), 0, 2048, 1), 0);
	ASSERT_EQ(toe_anon_provide(port.eng(), kGone, anon.mem(), 2048, 2048, 2), 0);
	// data parked in buflets on a second connection
	PeerConn parked(port, kGone, 81, 40001);
	parked.data(pattern(500));
	EXPECT_GT(port.counters().buflets_in_use, 0u);
	port.clear_events();
	port.clear_tx();
	EXPECT_GT(a.refs() + b.refs() + s.refs() + ub.refs() + anon.refs(), 0);

	toe_owner_release(port.eng(), kGone, -ECONNABORTED);

	EXPECT_EQ(a.refs(), 0);
	EXPECT_EQ(b.refs(), 0);
	EXPECT_EQ(s.refs(), 0);
	EXPECT_EQ(ub.refs(), 0);
	EXPECT_EQ(anon.refs(), 0);
	toe_engine_counters ctr = port.counters();
	EXPECT_EQ(ctr.sockets, 0u) << "listeners, connections and UDP socket gone";
	EXPECT_EQ(ctr.owners, 0u);
	EXPECT_EQ(ctr.buflets_in_use, 0u);
	// every buffer and request came back with an event, CLOSED last
	EXPECT_EQ(port.count_events(TOE_EV_RECV), 3u);
	EXPECT_EQ(port.count_events(TOE_EV_RECV_ANON), 2u);
	EXPECT_EQ(port.count_events(TOE_EV_SEND), 1u);
	EXPECT_EQ(port.count_events(TOE_EV_CLOSED), 5u);
	for (auto &r : port.events)
		EXPECT_EQ(r.owner, kGone);
	bool closed_seen = false;
	for (auto &r : port.events) {
		if (r.ev.sock == c.h && r.ev.type == TOE_EV_CLOSED) {
			closed_seen = true;
		} else if (r.ev.sock == c.h) {
			EXPECT_FALSE(closed_seen) << describe(r.ev) << " after CLOSED";
		}
	}
	// the peer was told
	bool rst = false;
	while (!port.tx_empty())
		rst |= port.pop_tx().has(TH_RST);
	EXPECT_TRUE(rst);
	// and the handles are dead
	EXPECT_EQ(toe_sock_close(port.eng(), kGone, c.h), -ENOENT);
	EXPECT_EQ(toe_sock_close(port.eng(), kGone, u), -ENOENT);
}

TEST(OwnerRelease, OtherOwnersAreUntouched)
{
	TestPort port;
	PeerConn gone(port, kGone, 80, 40000);
	PeerConn stays(port, kStays, 81, 40001);
	HostMem &keep = stays.post(100, 9);
	gone.post(100, 1);
	port.clear_events();
	toe_owner_release(port.eng(), kGone, -ECONNABORTED);
	for (auto &r : port.events)
		EXPECT_EQ(r.owner, kGone);
	port.clear_events();
	EXPECT_EQ(keep.refs(), 1);
	stays.data(bytes("alive"));
	auto ev = port.take_event(TOE_EV_RECV);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->sock, stays.h);
	EXPECT_EQ(keep.str(0, 5), "alive");
}

TEST(OwnerRelease, GracefullyClosedSocketStillSendingIsResetToo)
{
	TestPort port;
	PeerConn c(port, kGone);
	HostMem &s = port.mem(1000);
	toe_send_req sr{.mem = s.mem(), .offset = 0, .length = 1000, .user_ref = 3};
	ASSERT_EQ(toe_sock_send(port.eng(), kGone, c.h, &sr), 0);
	ASSERT_EQ(toe_sock_close(port.eng(), kGone, c.h), 0);
	EXPECT_EQ(s.refs(), 1) << "unacknowledged data stays referenced";
	toe_owner_release(port.eng(), kGone, -ECONNABORTED);
	EXPECT_EQ(s.refs(), 0);
	auto ev = port.take_event(TOE_EV_SEND);
	ASSERT_TRUE(ev);
	EXPECT_NE(ev->status, 0);
}

// A detach (the engine leaving its device) says so: -ENETDOWN, not the
// -ECONNABORTED of an application that closed, so that a test or a server
// whose engine was detached under a live transfer is not taken for a
// connection the stack gave up on.
namespace {

// A connection of kGone's with a posted buffer and a send the peer has not
// acknowledged, so a release has one of each to complete.
struct BufferAndSendPending {
	TestPort port;
	PeerConn c{port, kGone};
	HostMem &s = port.mem(3000);

	BufferAndSendPending()
	{
		c.post(100, 1);
		toe_send_req sr{.mem = s.mem(), .offset = 0, .length = 3000,
				.user_ref = 3};
		EXPECT_EQ(toe_sock_send(port.eng(), kGone, c.h, &sr), 0);
		port.clear_events();
	}
	// The status the send and the buffer came back with.
	std::pair<int, int> released_with(int error)
	{
		toe_owner_release(port.eng(), kGone, error);
		auto send = port.take_event(TOE_EV_SEND);
		auto recv = port.take_event(TOE_EV_RECV);
		EXPECT_EQ(s.refs(), 0);
		return {send ? send->status : 1, recv ? recv->status : 1};
	}
};

} // namespace

TEST(OwnerRelease, DetachFailsSendsAndBuffersWithNetworkDown)
{
	BufferAndSendPending p;
	EXPECT_EQ(p.released_with(-ENETDOWN), std::make_pair(-ENETDOWN, -ENETDOWN));
}

TEST(OwnerRelease, ApplicationCloseFailsSendsWithConnectionAborted)
{
	BufferAndSendPending p;
	EXPECT_EQ(p.released_with(-ECONNABORTED),
		  std::make_pair(-ECONNABORTED, -ECONNABORTED));
}

TEST(OwnerRelease, UnknownOwnerIsANoOp)
{
	TestPort port;
	toe_owner_release(port.eng(), 12345, -ECONNABORTED);
	EXPECT_FALSE(port.has_event());
}

TEST(OwnerRelease, EngineDestroyDropsEveryReferenceWithoutEvents)
{
	TestPort port;
	PeerConn c(port, kGone);
	HostMem &keep = c.post(1000, 1);
	HostMem &anon = port.mem(100);
	ASSERT_EQ(toe_anon_provide(port.eng(), kGone, anon.mem(), 0, 100, 1), 0);
	c.data(pattern(300), TH_ACK);
	EXPECT_EQ(keep.refs(), 1);
	port.clear_events();
	port.destroy_engine();
	EXPECT_EQ(keep.refs(), 0);
	EXPECT_EQ(anon.refs(), 0);
	EXPECT_FALSE(port.has_event());
}
