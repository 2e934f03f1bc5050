// Anonymous buffers: a per-owner pool the engine fills for sockets that
// opted in, when no named buffer is posted.
#include <gtest/gtest.h>

#include <map>

#include "peer_conn.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kOwner = 8;

class Anon : public ::testing::Test {
protected:
	void provide(uint32_t id, uint32_t len, int want = 0)
	{
		HostMem &m = port.mem(len);
		mems[id] = &m;
		EXPECT_EQ(toe_anon_provide(port.eng(), kOwner, m.mem(), 0, len, id), want);
	}
	TestPort port;
	std::map<uint32_t, HostMem *> mems;
};

} // namespace

TEST_F(Anon, TcpDataFillsAnAnonymousBufferWhenOptedIn)
{
	PeerConn c(port, kOwner);
	ASSERT_EQ(toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 1), 0);
	provide(7, 1000);
	c.data(bytes("anonymous!"));
	auto ev = port.take_event(TOE_EV_RECV_ANON);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->sock, c.h);
	EXPECT_EQ(ev->anon_id, 7u);
	EXPECT_EQ(ev->bytes, 10u);
	EXPECT_EQ(ev->status, 0);
	EXPECT_EQ(mems[7]->str(0, 10), "anonymous!");
	EXPECT_EQ(mems[7]->refs(), 0);
}

TEST_F(Anon, NamedBuffersComeFirst)
{
	PeerConn c(port, kOwner);
	toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 1);
	provide(1, 1000);
	c.post(100, 50);
	c.data(bytes("named"));
	EXPECT_TRUE(port.take_event(TOE_EV_RECV));
	EXPECT_FALSE(port.take_event(TOE_EV_RECV_ANON));
	EXPECT_EQ(mems[1]->refs(), 1) << "still in the pool";
}

TEST_F(Anon, WithoutOptInDataWaitsInBuflets)
{
	PeerConn c(port, kOwner);
	provide(1, 1000);
	c.data(bytes("parked"));
	EXPECT_FALSE(port.has_event());
	EXPECT_EQ(c.info().bytes_parked, 6u);
}

TEST_F(Anon, LargeSegmentSpansSeveralAnonymousBuffers)
{
	PeerConn c(port, kOwner);
	toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 1);
	provide(1, 500);
	provide(2, 500);
	provide(3, 500);
	Bytes data = pattern(1200);
	c.data(data);
	auto a = port.take_event(TOE_EV_RECV_ANON);
	auto b = port.take_event(TOE_EV_RECV_ANON);
	auto d = port.take_event(TOE_EV_RECV_ANON);
	ASSERT_TRUE(a && b && d);
	EXPECT_EQ(a->anon_id, 1u);
	EXPECT_EQ(a->bytes, 500u);
	EXPECT_EQ(a->reason, TOE_RET_FULL);
	EXPECT_EQ(b->bytes, 500u);
	EXPECT_EQ(d->bytes, 200u);
	EXPECT_EQ(d->reason, TOE_RET_PSH);
	Bytes got = mems[1]->slice(0, 500);
	Bytes more = mems[2]->slice(0, 500);
	got.insert(got.end(), more.begin(), more.end());
	more = mems[3]->slice(0, 200);
	got.insert(got.end(), more.begin(), more.end());
	EXPECT_EQ(got, data);
}

TEST_F(Anon, EmptyPoolParksDataUntilABufferIsProvided)
{
	PeerConn c(port, kOwner);
	toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 1);
	c.data(bytes("waiting"));
	EXPECT_FALSE(port.has_event());
	EXPECT_EQ(port.counters().drop_anon_empty, 1u);
	provide(4, 100);
	auto ev = port.take_event(TOE_EV_RECV_ANON);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->bytes, 7u);
	EXPECT_EQ(mems[4]->str(0, 7), "waiting");
	EXPECT_EQ(c.info().buflets_held, 0u);
}

TEST_F(Anon, UdpDatagramGoesToAnAnonymousBufferWithItsSource)
{
	uint32_t h;
	ASSERT_EQ(toe_sock_create(port.eng(), kOwner, TOE_PROTO_UDP, 3, &h), 0);
	ASSERT_EQ(toe_sock_bind(port.eng(), kOwner, h, 0, 6000), 0);
	ASSERT_EQ(toe_sock_setopt(port.eng(), kOwner, h, TOE_OPT_ANON_DELIVERY, 1), 0);
	provide(9, 4);
	port.inject(build_udp({.src = port.peer(kPeerIp, 1234),
			       .dst = port.local(6000), .payload = bytes("toolong")}));
	auto ev = port.take_event(TOE_EV_RECV_ANON);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->anon_id, 9u);
	EXPECT_EQ(ev->bytes, 4u);
	EXPECT_EQ(ev->flags & TOE_EVF_TRUNCATED, TOE_EVF_TRUNCATED);
	EXPECT_EQ(ev->peer_port, 1234);
	EXPECT_EQ(ev->udp_hdr_len, 8);
	EXPECT_EQ(mems[9]->str(0, 4), "tool");
}

TEST_F(Anon, PoolIsBoundedAndIdsAreUnique)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.owner_anon_max = 2;
	TestPort small(cfg);
	HostMem &m = small.mem(300);
	EXPECT_EQ(toe_anon_provide(small.eng(), kOwner, m.mem(), 0, 100, 1), 0);
	EXPECT_EQ(toe_anon_provide(small.eng(), kOwner, m.mem(), 100, 100, 1), -EEXIST);
	EXPECT_EQ(toe_anon_provide(small.eng(), kOwner, m.mem(), 100, 100, 2), 0);
	EXPECT_EQ(toe_anon_provide(small.eng(), kOwner, m.mem(), 200, 100, 3), -ENOBUFS);
	EXPECT_EQ(toe_anon_provide(small.eng(), kOwner, m.mem(), 250, 100, 4), -EFAULT);
	EXPECT_EQ(m.refs(), 2);
	toe_owner_release(small.eng(), kOwner, -ECONNABORTED);
	EXPECT_EQ(m.refs(), 0);
	EXPECT_EQ(small.count_events(TOE_EV_RECV_ANON), 2u);
	for (auto &r : small.events)
		EXPECT_EQ(r.ev.status, -ECANCELED);
}

TEST_F(Anon, OptingOutReturnsNothingLostAndDataParksAgain)
{
	PeerConn c(port, kOwner);
	toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 1);
	uint64_t v = 0;
	ASSERT_EQ(toe_sock_getopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, &v), 0);
	EXPECT_EQ(v, 1u);
	toe_sock_setopt(port.eng(), kOwner, c.h, TOE_OPT_ANON_DELIVERY, 0);
	provide(1, 100);
	c.data(bytes("parks"));
	EXPECT_FALSE(port.has_event());
	EXPECT_EQ(c.info().bytes_parked, 5u);
}
