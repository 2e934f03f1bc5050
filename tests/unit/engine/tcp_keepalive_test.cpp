// Keepalive: probes after the idle time, at the interval, and the
// connection's end after the probe count.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

Conn keepalive_conn(TcpHarness &t, uint64_t idle, uint64_t intvl, uint64_t cnt)
{
	Conn c = t.open_active();
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPIDLE, idle), 0);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPINTVL, intvl), 0);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPCNT, cnt), 0);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPALIVE, 1), 0);
	return c;
}

} // namespace

TEST(TcpKeepalive, OffByDefault)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.port().run_for(3ull * 3600 * 1'000'000);
	EXPECT_TRUE(t.port().tx_empty());
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
}

// RFC 9293 MUST-28: the idle time defaults to no less than two hours.
TEST(TcpKeepalive, DefaultIdleTimeIsTwoHours)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(t.setopt(c.h, TOE_OPT_KEEPALIVE, 1), 0);
	uint64_t idle = 0;
	ASSERT_EQ(toe_sock_getopt(t.eng(), kOwner, c.h, TOE_OPT_KEEPIDLE, &idle), 0);
	EXPECT_EQ(idle, 7200u);
	EXPECT_EQ(t.run_until_tx(3ull * 3600 * 1'000'000), 7200ull * 1'000'000)
		<< "the first probe comes after two hours idle";
	Frame p = t.tx(c);
	EXPECT_EQ(p.seq, c.rcv - 1) << "a keep-alive probe";
}

TEST(TcpKeepalive, ProbeAfterIdleTimeAndAnswerKeepsConnection)
{
	TcpHarness t;
	Conn c = keepalive_conn(t, 60, 10, 3);
	uint64_t waited = t.run_until_tx();
	EXPECT_EQ(waited, 60'000'000u);
	Frame p = t.tx(c);
	EXPECT_EQ(p.seq, c.rcv - 1) << "SND.NXT - 1, no data";
	EXPECT_TRUE(p.payload.empty());
	EXPECT_EQ(p.flags, TH_ACK);
	// the peer's ACK answers; idle starts over
	t.ack(c);
	EXPECT_EQ(t.run_until_tx(), 60'000'000u);
	t.tx(c);
	EXPECT_EQ(t.tcb(c.h)->stats.keepalive_probes, 2u);
}

TEST(TcpKeepalive, TrafficPostponesTheProbe)
{
	TcpHarness t;
	Conn c = keepalive_conn(t, 60, 10, 3);
	t.post(c.h, 1000);
	t.port().run_for(50'000'000);
	t.send_data(c, bytes("alive"));
	t.drain(c);
	t.port().run_for(50'000'000);
	t.drain(c); // the delayed ACK
	EXPECT_EQ(t.tcb(c.h)->stats.keepalive_probes, 0u);
	t.port().run_for(10'000'001);
	EXPECT_EQ(t.tcb(c.h)->stats.keepalive_probes, 1u);
}

TEST(TcpKeepalive, UnansweredProbesEndTheConnectionWithEtimedout)
{
	TcpHarness t;
	Conn c = keepalive_conn(t, 60, 10, 3);
	std::vector<uint64_t> waits;
	for (int i = 0; i < 3; i++) {
		waits.push_back(t.run_until_tx());
		t.tx(c);
	}
	EXPECT_EQ(waits[0], 60'000'000u);
	EXPECT_EQ(waits[1], 10'000'000u);
	EXPECT_EQ(waits[2], 10'000'000u);
	t.run_until_tx();
	Frame rst = t.tx(c);
	EXPECT_TRUE(rst.has(TH_RST));
	auto ev = t.event(TOE_EV_ERROR);
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->status, -ETIMEDOUT);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
}

TEST(TcpKeepalive, InvalidSettingsAreRefused)
{
	TcpHarness t;
	Conn c = t.open_active();
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPIDLE, 0), -EINVAL);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPCNT, 1000), -EINVAL);
	EXPECT_EQ(t.setopt(c.h, TOE_OPT_KEEPALIVE, 2), -EINVAL);
}

TEST(TcpKeepalive, ListenerPassesSettingsToItsConnections)
{
	TcpHarness t;
	uint32_t l = t.listen();
	ASSERT_EQ(t.setopt(l, TOE_OPT_KEEPIDLE, 30), 0);
	ASSERT_EQ(t.setopt(l, TOE_OPT_KEEPALIVE, 1), 0);
	ASSERT_EQ(t.setopt(l, TOE_OPT_NODELAY, 1), 0);
	Conn c = t.open_passive(l);
	EXPECT_EQ(t.run_until_tx(), 30'000'000u);
	Frame p = t.tx(c);
	EXPECT_TRUE(p.payload.empty());
	uint64_t v = 0;
	ASSERT_EQ(toe_sock_getopt(t.eng(), kOwner, c.h, TOE_OPT_NODELAY, &v), 0);
	EXPECT_EQ(v, 1u);
}
