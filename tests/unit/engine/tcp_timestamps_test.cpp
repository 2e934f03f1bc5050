// Timestamps (RFC 7323): negotiation, echoing, PAWS, RTT measurement.
#include "tcp_harness.hpp"

using namespace toe::test;

TEST(TcpTimestamps, EverySegmentCarriesTsvalAndEchoesThePeers)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_TRUE(c.ts);
	c.peer_tsval = 9999;
	t.send(c.h, bytes("x"), 1);
	std::vector<Frame> sent;
	t.take_data(c, &sent);
	ASSERT_EQ(sent.size(), 1u);
	ASSERT_TRUE(sent[0].opt_timestamps());
	t.send_data(c, bytes("y"));
	t.send(c.h, bytes("z"), 2);
	t.ack(c);
	auto frames = t.drain(c);
	ASSERT_FALSE(frames.empty());
	ASSERT_TRUE(frames.back().opt_timestamps());
	EXPECT_EQ(frames.back().opt_timestamps()->second, 9999u);
}

TEST(TcpTimestamps, TsvalIsMonotonicAndOffsetPerConnection)
{
	TcpHarness t;
	Conn a = t.open_active({}, 40001);
	Conn b = t.open_active({}, 40002);
	EXPECT_NE(a.echo, b.echo) << "a per-connection offset";
	uint32_t prev = a.echo;
	for (int i = 0; i < 5; i++) {
		TestPort::set_clock(TestPort::now() + 10'000);
		t.send(a.h, bytes("x"), 1);
		t.take_data(a);
		EXPECT_GT(int32_t(a.echo - prev), 0);
		prev = a.echo;
		t.ack(a);
	}
}

TEST(TcpTimestamps, PawsDropsSegmentWithOlderTimestamp)
{
	TcpHarness t;
	Conn c = t.open_active();
	HostMem &m = t.post(c.h, 100);
	c.peer_tsval = 100000;
	t.send_data(c, bytes("new"), 0);
	t.run_until_tx();
	t.drain(c);
	c.peer_tsval = 99000; // an old duplicate from a previous incarnation
	uint32_t before = t.tcb(c.h)->rcv_nxt;
	t.send_data(c, bytes("old"), 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before);
	Frame a = t.tx(c);
	EXPECT_EQ(a.flags, TH_ACK) << "PAWS answers with an ACK";
	EXPECT_EQ(t.tcb(c.h)->stats.paws_drops, 1u);
	EXPECT_EQ(m.str(0, 3), "new");
}

// Linux's tcp_disordered_ack: a pure ACK overtaken by a later segment
// arrives with an older timestamp. It moves nothing, so it is neither
// dropped by PAWS nor answered.
TEST(TcpTimestamps, ReorderedPureAckIsNeitherDroppedNorAnswered)
{
	TcpHarness t;
	Conn c = t.open_active();
	c.peer_tsval = 100000;
	t.ack(c);
	t.drain(c);
	c.peer_tsval = 99990; // 10 ms older: overtaken, not a ghost
	t.ack(c);
	EXPECT_TRUE(t.port().tx_empty()) << "no answer to a disordered ACK";
	EXPECT_EQ(t.tcb(c.h)->stats.paws_drops, 0u);
	EXPECT_EQ(t.tcb(c.h)->ts_recent, 100000u) << "ts_recent never goes back";
}

// The exemption is narrow: an old pure ACK that would move the window, or
// one older than an RTO, is still refused.
TEST(TcpTimestamps, OldAckThatWouldMoveTheWindowIsStillRefused)
{
	TcpHarness t;
	Conn c = t.open_active();
	c.peer_tsval = 100000;
	c.peer_window = 1000u << c.peer_ws;
	t.ack(c);
	t.drain(c);
	c.peer_tsval = 99990;
	c.peer_window = 2000u << c.peer_ws;
	t.ack(c);
	EXPECT_EQ(t.tcb(c.h)->stats.paws_drops, 1u);
	c.peer_window = 1000u << c.peer_ws;
	c.peer_tsval = 100000 - 3600 * 1000; // an hour old
	t.ack(c);
	EXPECT_EQ(t.tcb(c.h)->stats.paws_drops, 2u);
}

TEST(TcpTimestamps, RstIsNotSubjectToPaws)
{
	TcpHarness t;
	Conn c = t.open_active();
	c.peer_tsval = 1;
	TcpSpec r = t.seg(c, TH_RST);
	t.inject(r);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
}

TEST(TcpTimestamps, SegmentWithoutTimestampIsDroppedOnceNegotiated)
{
	TcpHarness t;
	Conn c = t.open_active();
	uint32_t before = t.tcb(c.h)->rcv_nxt;
	TcpSpec s = t.seg(c, TH_ACK | TH_PSH, bytes("no ts"));
	s.options.clear();
	t.inject(s);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before);
	EXPECT_TRUE(t.port().tx_empty()) << "silently (RFC 7323 3.2)";
}

TEST(TcpTimestamps, StaleTsRecentAfter24DaysIsNotEnforced)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.tcb(c.h)->flags &= ~TOE_TCB_KEEPALIVE;
	c.peer_tsval = 100000;
	t.send_data(c, bytes("a"), 0);
	TestPort::set_clock(TestPort::now() + 25ull * 24 * 3600 * 1'000'000);
	c.peer_tsval = 50; // the peer's clock wrapped or restarted
	uint32_t before = t.tcb(c.h)->rcv_nxt;
	t.send_data(c, bytes("b"), 0);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, before + 1);
}

TEST(TcpTimestamps, EchoedTimestampGivesRttSampleEvenAfterRetransmission)
{
	TcpHarness t;
	Conn c = t.open_active();
	auto *tp = t.tcb(c.h);
	t.send(c.h, pattern(100), 1);
	t.take_data(c);
	t.run_until_tx(); // retransmitted: Karn forbids timing it...
	t.take_data(c); // ...but the echo names the retransmission
	TestPort::set_clock(TestPort::now() + 50'000);
	t.ack(c);
	EXPECT_NEAR(double(tp->rto.srtt_us), 25'000.0, 25'000.0);
	EXPECT_GT(tp->rto.srtt_us, 0u);
	EXPECT_EQ(tp->rto.backoff, 0) << "a valid sample clears the backoff";
}

TEST(TcpTimestamps, NotUsedWhenThePeerDoesNotOfferThem)
{
	TcpHarness t;
	PeerOpts o;
	o.timestamps = false;
	Conn c = t.open_active(o);
	t.send(c.h, bytes("x"), 1);
	Frame d = t.tx(c);
	EXPECT_FALSE(d.opt_timestamps());
	EXPECT_EQ(d.tcp_hlen, 20);
}
