// RST and SYN validation (RFC 5961): an exact RST resets, one inside the
// window earns a challenge ACK, one outside is ignored; a SYN on an
// established connection earns a challenge ACK; challenge ACKs are rate
// limited, and so are the answers to ACKs outside the window or of data
// never sent; RSTs answer segments for no connection.
#include "tcp_harness.hpp"

using namespace toe::test;

TEST(TcpRst, RstAtExactlyRcvNxtResetsTheConnection)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100, 8);
	t.send(c.h, pattern(10), 9);
	t.drain(c);
	t.inject(t.seg(c, TH_RST));
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
	auto err = t.event(TOE_EV_ERROR);
	ASSERT_TRUE(err);
	EXPECT_EQ(err->status, -ECONNRESET);
	auto recv = t.event(TOE_EV_RECV);
	ASSERT_TRUE(recv);
	EXPECT_EQ(recv->reason, TOE_RET_RST);
	auto send = t.event(TOE_EV_SEND);
	ASSERT_TRUE(send);
	EXPECT_EQ(send->status, -ECONNRESET);
	EXPECT_TRUE(t.port().tx_empty()) << "a RST is never answered";
	EXPECT_EQ(t.engine_stats().resets, 1u);
	// the host still holds the handle until it closes it
	EXPECT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	EXPECT_TRUE(t.event(TOE_EV_CLOSED));
	EXPECT_EQ(t.port().counters().sockets, 0u);
}

// RFC 9293 MUST-66: a RST is processed even when the receive window is
// zero.
TEST(TcpRst, RstAtRcvNxtResetsEvenWithAZeroWindow)
{
	toe_engine_config cfg = TestPort::default_config();
	cfg.sock_buflets_max = 2;
	TcpHarness t(cfg);
	PeerOpts o;
	o.wscale.reset();
	o.timestamps = false;
	Conn c = t.open_active(o);
	while (t.info(c.h).rcv_wnd)
		t.send_data(c, pattern(std::min<uint32_t>(1000, t.info(c.h).rcv_wnd)));
	t.drain(c);
	ASSERT_EQ(t.info(c.h).rcv_wnd, 0u) << "the window is shut";
	t.inject(t.seg(c, TH_RST));
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
	auto err = t.event(TOE_EV_ERROR);
	ASSERT_TRUE(err);
	EXPECT_EQ(err->status, -ECONNRESET);
}

TEST(TcpRst, RstInWindowButNotExactGetsChallengeAck)
{
	TcpHarness t;
	Conn c = t.open_active();
	TcpSpec r = t.seg(c, TH_RST);
	r.seq = c.snd + 1000;
	t.inject(r);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
	Frame a = t.tx(c);
	EXPECT_EQ(a.flags, TH_ACK);
	EXPECT_EQ(a.ack, c.snd) << "the challenge names the right number";
	EXPECT_EQ(t.tcb(c.h)->stats.challenge_acks, 1u);
	// the peer, if genuine, answers with the exact RST
	t.inject(t.seg(c, TH_RST));
	EXPECT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
}

TEST(TcpRst, RstOutsideTheWindowIsIgnored)
{
	TcpHarness t;
	Conn c = t.open_active();
	TcpSpec r = t.seg(c, TH_RST);
	r.seq = c.snd + 0x40000000u;
	t.inject(r);
	r.seq = c.snd - 1;
	t.inject(r);
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
	EXPECT_TRUE(t.port().tx_empty());
}

TEST(TcpRst, SynOnEstablishedConnectionGetsChallengeAck)
{
	TcpHarness t;
	Conn c = t.open_active();
	for (uint32_t seq : {c.snd, c.snd + 5000, c.snd - 5000}) {
		TcpSpec s = t.seg(c, TH_SYN);
		s.seq = seq;
		t.inject(s);
		Frame a = t.tx(c);
		EXPECT_EQ(a.flags, TH_ACK) << "seq " << seq;
		EXPECT_EQ(a.ack, c.snd);
	}
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
}

TEST(TcpRst, ChallengeAcksAreRateLimitedPerConnection)
{
	TcpHarness t;
	Conn c = t.open_active();
	TcpSpec r = t.seg(c, TH_RST);
	r.seq = c.snd + 1;
	for (int i = 0; i < 50; i++)
		t.inject(r);
	EXPECT_EQ(t.port().tx_count(), 10u) << "10 per 5 s";
	EXPECT_EQ(t.tcb(c.h)->stats.challenge_acks_suppressed, 40u);
	t.port().clear_tx();
	TestPort::set_clock(TestPort::now() + 5'000'000);
	t.inject(r);
	EXPECT_EQ(t.port().tx_count(), 1u) << "a new budget";
}

TEST(TcpRst, AckForDataNeverSentIsAnsweredAndDropped)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100);
	TcpSpec s = t.seg(c, TH_ACK | TH_PSH, bytes("data"));
	s.ack = c.rcv + 1000;
	t.inject(s);
	Frame a = t.tx(c);
	EXPECT_EQ(a.flags, TH_ACK);
	EXPECT_EQ(t.tcb(c.h)->rcv_nxt, c.snd) << "the data is not taken";
	EXPECT_EQ(t.tcb(c.h)->stats.bad_acks, 1u);
}

TEST(TcpRst, AckOutsideTheWindowIsAnsweredOncePerInterval)
{
	TcpHarness t;
	Conn c = t.open_active();
	TcpSpec a = t.seg(c, TH_ACK);
	a.seq = c.snd + 0x40000000u;
	for (int i = 0; i < 50; i++)
		t.inject(a);
	Frame first = t.tx(c);
	EXPECT_EQ(first.flags, TH_ACK);
	EXPECT_EQ(first.ack, c.snd) << "the answer names the right number";
	EXPECT_TRUE(t.port().tx_empty()) << "one answer per 500 ms";
	EXPECT_EQ(t.tcb(c.h)->stats.oow_acks_suppressed, 49u);
	EXPECT_EQ(t.port().counters().tcp.oow_acks_suppressed, 49u);
	TestPort::set_clock(TestPort::now() + 499'000);
	t.inject(a);
	EXPECT_TRUE(t.port().tx_empty());
	TestPort::set_clock(TestPort::now() + 1'000);
	t.inject(a);
	EXPECT_EQ(t.port().tx_count(), 1u) << "the interval has passed";
	EXPECT_EQ(t.state(c.h), TOE_TCPS_ESTABLISHED);
}

TEST(TcpRst, AckOfDataNeverSentIsAnsweredOncePerInterval)
{
	TcpHarness t;
	Conn c = t.open_active();
	TcpSpec a = t.seg(c, TH_ACK);
	a.ack = c.rcv + 1000;
	for (int i = 0; i < 20; i++)
		t.inject(a);
	EXPECT_EQ(t.port().tx_count(), 1u);
	EXPECT_EQ(t.tcb(c.h)->stats.bad_acks, 20u);
	EXPECT_EQ(t.port().counters().tcp.bad_acks, 20u);
	EXPECT_EQ(t.port().counters().tcp.oow_acks_suppressed, 19u);
	EXPECT_EQ(t.tcb(c.h)->snd_una, c.rcv) << "nothing was acknowledged";
}

TEST(TcpRst, RetransmittedDataBelowTheWindowIsAlwaysAnswered)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.post(c.h, 100);
	TcpSpec d = t.seg(c, TH_ACK | TH_PSH, bytes("data"));
	t.inject(d);
	t.port().clear_tx();
	// the peer lost our ACKs and sends the same bytes again
	for (int i = 0; i < 20; i++)
		t.inject(d);
	EXPECT_EQ(t.port().tx_count(), 20u)
		<< "data is never an ACK loop: each copy is answered";
	EXPECT_EQ(t.tcb(c.h)->stats.oow_acks_suppressed, 0u);
	EXPECT_EQ(t.tcb(c.h)->stats.dup_segs_in, 20u);
}

TEST(TcpRst, SegmentForAClosedSocketIsAnsweredWithRst)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.inject(t.seg(c, TH_RST));
	ASSERT_EQ(t.state(c.h), TOE_TCPS_CLOSED);
	// the closed socket left the flow table: the segment is the host's
	int rc = t.port().inject(build_tcp(t.seg(c, TH_ACK, bytes("x"))));
	EXPECT_EQ(rc, TOE_RX_NOT_MINE);
}

TEST(TcpRst, RejectAnswersWithRstAsRfc9293SaysForClosed)
{
	TcpHarness t;
	Conn c;
	c.peer = t.port().peer();
	c.snd = 1000;
	c.rcv = 5000;
	toe_rx_seg seg;
	toe_rx_frame f;
	toe_pkt pkt;
	// with ACK: <SEQ=SEG.ACK><CTL=RST>
	Bytes b = build_tcp(t.seg(c, TH_ACK, bytes("abc")));
	seg = {b.data(), uint32_t(b.size())};
	f = {&seg, 1, uint32_t(b.size()), 0};
	ASSERT_EQ(toe_pkt_parse(&f, kLocalMac.data(), 0, &pkt), TOE_PARSE_OK);
	toe_tcp_reject(t.eng(), &pkt);
	Frame r1 = t.port().pop_tx();
	EXPECT_EQ(r1.flags, TH_RST);
	EXPECT_EQ(r1.seq, 5000u);
	// without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
	Bytes b2 = build_tcp(t.seg(c, TH_SYN));
	seg = {b2.data(), uint32_t(b2.size())};
	f = {&seg, 1, uint32_t(b2.size()), 0};
	ASSERT_EQ(toe_pkt_parse(&f, kLocalMac.data(), 0, &pkt), TOE_PARSE_OK);
	toe_tcp_reject(t.eng(), &pkt);
	Frame r2 = t.port().pop_tx();
	EXPECT_EQ(r2.flags, TH_RST | TH_ACK);
	EXPECT_EQ(r2.seq, 0u);
	EXPECT_EQ(r2.ack, 1001u);
	// never a RST for a RST
	Bytes b3 = build_tcp(t.seg(c, TH_RST));
	seg = {b3.data(), uint32_t(b3.size())};
	f = {&seg, 1, uint32_t(b3.size()), 0};
	ASSERT_EQ(toe_pkt_parse(&f, kLocalMac.data(), 0, &pkt), TOE_PARSE_OK);
	toe_tcp_reject(t.eng(), &pkt);
	EXPECT_TRUE(t.port().tx_empty());
}

TEST(TcpRst, RstInSynReceivedDropsTheHalfOpenConnection)
{
	TcpHarness t;
	t.listen();
	Conn c;
	c.peer = t.port().peer();
	c.snd = 100;
	TcpSpec s = t.seg(c, TH_SYN);
	s.options = tcp_options({tcpopt::mss(1460)});
	t.inject(s);
	t.tx(c);
	c.snd = 101;
	t.inject(t.seg(c, TH_RST));
	EXPECT_EQ(t.port().counters().syn_queue, 0u);
	EXPECT_EQ(t.port().counters().sockets, 1u);
}

TEST(TcpRst, RstInTimeWaitEndsIt)
{
	TcpHarness t;
	Conn c = t.open_active();
	ASSERT_EQ(toe_sock_close(t.eng(), kOwner, c.h), 0);
	Frame fin = t.tx(c);
	c.rcv = fin.seq + 1;
	t.inject(t.seg(c, TH_ACK | TH_FIN));
	c.snd++;
	ASSERT_EQ(t.state(c.h), TOE_TCPS_TIME_WAIT);
	t.inject(t.seg(c, TH_RST));
	EXPECT_EQ(t.state(c.h), -1);
}
